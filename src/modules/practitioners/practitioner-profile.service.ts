import { Injectable } from '@nestjs/common';
import { AuditAction, AvailabilityType, Prisma, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { AppConfig } from '../../config/app-config.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { SlotRangeQueryDto } from '../availability/dto/slots.dto.js';
import { resolveRange, SlotsService, toSlotDto } from '../availability/slots.service.js';
import type { UpdatePractitionerMeDto } from './dto/practitioner-input.dto.js';
import type { PractitionerAvailabilityDto, PractitionerProfileDto, SelfPractitionerDto } from './dto/practitioner-output.dto.js';
import { toProfile, toRecurring, toSelf } from './practitioner.mapper.js';

const RECURRING_RULES = {
  where: { type: AvailabilityType.RECURRING, isActive: true },
  orderBy: [{ dayOfWeek: 'asc' }, { startTime: 'asc' }],
  select: { dayOfWeek: true, startTime: true, endTime: true, slotDuration: true },
} satisfies Prisma.Practitioner$availabilitiesArgs;

/** Listed = what employees may see (SPEC PR4/PR10): validated and active. */
const LISTED = { isValidated: true, isActive: true } as const;

/**
 * A practitioner's own profile (PR5, PR6) and the profile others see (PR10, PR11). Employees only reach
 * listed practitioners; a practitioner only itself; HR never reaches this service (403 at the route).
 */
@Injectable()
export class PractitionerProfileService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly audit: AuditService,
    private readonly slots: SlotsService,
    private readonly config: AppConfig,
  ) {}

  // ---------- PR5 ----------

  async me(me: Identity): Promise<SelfPractitionerDto> {
    return toSelf(await this.self(me));
  }

  // ---------- PR6 ----------

  async updateMe(me: Identity, dto: UpdatePractitionerMeDto): Promise<SelfPractitionerDto> {
    const current = await this.self(me);
    const offersInPerson = dto.offersInPerson ?? current.offersInPerson;
    const address = dto.inPersonAddress !== undefined ? dto.inPersonAddress : current.inPersonAddress;
    if (offersInPerson && !address) {
      throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: 'inPersonAddress', message: 'adresse requise pour les consultations en cabinet' }]);
    }
    const data = Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as Prisma.PractitionerUpdateInput;
    const fields = Object.keys(data);
    if (fields.length === 0) return toSelf(current);
    const row = await this.tenant.tx(async (tx) => {
      const updated = await tx.practitioner.update({ where: { id: current.id }, data, include: { user: { select: { email: true } } } });
      // field names only: the values (bio, education…) never go into the audit trail
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'practitioner', resourceId: current.id, details: { event: 'PRACTITIONER_PROFILE_UPDATED', fields } }, tx);
      return updated;
    });
    return toSelf(row);
  }

  // ---------- PR10 ----------

  async profile(me: Identity, id: string): Promise<PractitionerProfileDto> {
    const { row, next } = await this.tenant.tx(async (tx) => {
      const row = await tx.practitioner.findFirst({ where: { AND: [{ id }, this.visibleTo(me)] }, include: { availabilities: RECURRING_RULES } });
      if (!row) throw AppException.notFound('Praticien introuvable');
      return { row, next: await this.slots.nextAvailable([row], this.config.get('BOOKING_MAX_DAYS_AHEAD'), tx) };
    });
    return toProfile(row, toRecurring(row.availabilities), next.get(row.id), me.role === Role.ADMIN_HUNTZEN);
  }

  // ---------- PR11 ----------

  async availability(id: string, q: SlotRangeQueryDto): Promise<PractitionerAvailabilityDto> {
    const row = await this.tenant.db.practitioner.findFirst({
      where: { id, ...LISTED },
      select: { id: true, timezone: true, bufferTime: true, availabilities: RECURRING_RULES },
    });
    if (!row) throw AppException.notFound('Praticien introuvable');
    const range = resolveRange(q, this.slots.today(row.timezone));
    const slots = await this.slots.slots(row, range);
    return {
      practitionerId: row.id,
      timezone: row.timezone,
      from: range.from,
      to: range.to,
      recurring: toRecurring(row.availabilities),
      slots: slots.filter((s) => s.available).map(toSlotDto),
    };
  }

  // ---------- helpers ----------

  /** Row filter per caller: admins see all, a practitioner itself only, employees listed ones only. */
  private visibleTo(me: Identity): Prisma.PractitionerWhereInput {
    if (me.role === Role.ADMIN_HUNTZEN) return {};
    // another practitioner's profile is out of scope (SPEC §2.3 #20: own profile only) → 404
    if (me.role === Role.PRACTITIONER) return { id: me.practitionerId ?? '00000000-0000-0000-0000-000000000000' };
    return LISTED;
  }

  private async self(me: Identity) {
    if (!me.practitionerId) throw AppException.notFound('Profil praticien introuvable');
    const row = await this.tenant.db.practitioner.findUnique({ where: { id: me.practitionerId }, include: { user: { select: { email: true } } } });
    if (!row) throw AppException.notFound('Profil praticien introuvable');
    return row;
  }
}
