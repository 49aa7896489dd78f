import { Injectable } from '@nestjs/common';
import { ConsultationFormat, Prisma } from '@prisma/client';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { AppConfig } from '../../config/app-config.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import type { Slot } from '../availability/slot-engine.js';
import { SlotsService } from '../availability/slots.service.js';
import type { AppliedFiltersDto, PractitionerSearchResponseDto } from './dto/practitioner-output.dto.js';
import type { SearchPractitionersQueryDto, SearchSort } from './dto/practitioner-query.dto.js';
import { toCard } from './practitioner.mapper.js';

const CARD_SELECT = {
  id: true,
  firstName: true,
  lastName: true,
  title: true,
  specialty: true,
  subSpecialties: true,
  languages: true,
  avatarUrl: true,
  averageRating: true,
  reviewCount: true,
  experience: true,
  bio: true,
  offersVideo: true,
  offersPhone: true,
  offersInPerson: true,
  isAcceptingNewClients: true,
  timezone: true,
  bufferTime: true,
} satisfies Prisma.PractitionerSelect;

type Card = Prisma.PractitionerGetPayload<{ select: typeof CARD_SELECT }>;

const TIE_BREAK: Prisma.PractitionerOrderByWithRelationInput[] = [{ lastName: 'asc' }, { id: 'asc' }];

/** Relevance (US-10.1): accepting new clients first, then rating, number of reviews, experience. */
const ORDER: Record<Exclude<SearchSort, 'nextAvailable'>, Prisma.PractitionerOrderByWithRelationInput[]> = {
  relevance: [
    { isAcceptingNewClients: 'desc' },
    { averageRating: { sort: 'desc', nulls: 'last' } },
    { reviewCount: 'desc' },
    { experience: { sort: 'desc', nulls: 'last' } },
    ...TIE_BREAK,
  ],
  rating: [{ averageRating: { sort: 'desc', nulls: 'last' } }, { reviewCount: 'desc' }, ...TIE_BREAK],
  experience: [{ experience: { sort: 'desc', nulls: 'last' } }, ...TIE_BREAK],
};

/** `format` is a shortcut for the matching flag (AUDIO is offered as "phone"). */
const FORMAT_WHERE: Record<ConsultationFormat, Prisma.PractitionerWhereInput> = {
  [ConsultationFormat.VIDEO]: { offersVideo: true },
  [ConsultationFormat.AUDIO]: { offersPhone: true },
  [ConsultationFormat.IN_PERSON]: { offersInPerson: true },
};

/**
 * The employee search (SPEC PR4, US-3.3, US-10.1). Only validated and active practitioners. The
 * availability filter and sort use the slot engine on all candidates at once: one query for the
 * candidates, one for their rules and exceptions, one for busy ranges — never one per practitioner.
 */
@Injectable()
export class PractitionerSearchService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly slots: SlotsService,
    private readonly config: AppConfig,
  ) {}

  async search(q: SearchPractitionersQueryDto): Promise<PractitionerSearchResponseDto> {
    const languages = [...new Set([...(q.language ?? []), ...(q.languages ?? [])])];
    const where = this.where(q, languages);
    const orderBy = ORDER[q.sort === 'nextAvailable' ? 'relevance' : q.sort];
    const horizon = this.config.get('BOOKING_MAX_DAYS_AHEAD');
    const appliedFilters = this.appliedFilters(q, languages);

    // Without availability criteria the database pages; next slots are computed for the page only.
    // One transaction for the candidates and their rules: the caller's context is set once.
    if (q.availableWithin === undefined && q.sort !== 'nextAvailable') {
      const { total, rows, next } = await this.tenant.tx(async (tx) => {
        const total = await tx.practitioner.count({ where });
        const rows = await tx.practitioner.findMany({ where, orderBy, select: CARD_SELECT, ...pageArgs(q) });
        return { total, rows, next: await this.slots.nextAvailable(rows, horizon, tx) };
      });
      return { view: 'search', practitioners: rows.map((p) => toCard(p, next.get(p.id))), ...pageInfo(total, q), appliedFilters };
    }

    const { candidates, next } = await this.tenant.tx(async (tx) => {
      const candidates = await tx.practitioner.findMany({ where, orderBy, select: CARD_SELECT });
      return { candidates, next: await this.slots.nextAvailable(candidates, q.availableWithin ?? horizon, tx) };
    });
    let matches: Card[] = q.availableWithin !== undefined ? candidates.filter((p) => next.get(p.id)) : candidates;
    if (q.sort === 'nextAvailable') matches = this.byNextSlot(matches, next);
    const { skip, take } = pageArgs(q);
    return {
      view: 'search',
      practitioners: matches.slice(skip, skip + take).map((p) => toCard(p, next.get(p.id))),
      ...pageInfo(matches.length, q),
      appliedFilters,
    };
  }

  private where(q: SearchPractitionersQueryDto, languages: string[]): Prisma.PractitionerWhereInput {
    const and: Prisma.PractitionerWhereInput[] = [{ isValidated: true, isActive: true }];
    if (q.specialty) and.push({ specialty: q.specialty });
    if (q.subSpecialties?.length) and.push({ subSpecialties: { hasSome: q.subSpecialties } });
    if (languages.length) and.push({ languages: { hasSome: languages } });
    if (q.offersVideo !== undefined) and.push({ offersVideo: q.offersVideo });
    if (q.offersPhone !== undefined) and.push({ offersPhone: q.offersPhone });
    if (q.offersInPerson !== undefined) and.push({ offersInPerson: q.offersInPerson });
    if (q.format) and.push(FORMAT_WHERE[q.format]);
    if (q.minRating !== undefined) and.push({ averageRating: { gte: q.minRating } });
    if (q.acceptingNew !== undefined) and.push({ isAcceptingNewClients: q.acceptingNew });
    return { AND: and };
  }

  /** Stable: practitioners with the same next slot (or none) keep the relevance order. */
  private byNextSlot(rows: Card[], next: Map<string, Slot | null>): Card[] {
    const at = (p: Card) => next.get(p.id)?.start.getTime() ?? Number.POSITIVE_INFINITY;
    return [...rows].sort((a, b) => at(a) - at(b));
  }

  /** The normalised query, to rebuild the same URL (US-10.1: shareable searches). */
  private appliedFilters(q: SearchPractitionersQueryDto, languages: string[]): AppliedFiltersDto {
    const filters: AppliedFiltersDto = { sort: q.sort, page: q.page, limit: q.limit };
    if (q.specialty) filters.specialty = q.specialty;
    if (q.subSpecialties?.length) filters.subSpecialties = q.subSpecialties;
    if (languages.length) filters.languages = languages;
    if (q.offersVideo !== undefined) filters.offersVideo = q.offersVideo;
    if (q.offersPhone !== undefined) filters.offersPhone = q.offersPhone;
    if (q.offersInPerson !== undefined) filters.offersInPerson = q.offersInPerson;
    if (q.format) filters.format = q.format;
    if (q.availableWithin !== undefined) filters.availableWithin = q.availableWithin;
    if (q.minRating !== undefined) filters.minRating = q.minRating;
    if (q.acceptingNew !== undefined) filters.acceptingNew = q.acceptingNew;
    return filters;
  }
}
