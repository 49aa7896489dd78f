import { Injectable } from '@nestjs/common';
import { Availability, AuditAction, AvailabilityType } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type {
  AvailabilityExceptionDto,
  AvailabilityListDto,
  AvailabilityRuleDto,
  CreateAvailabilityDto,
  CreateExceptionDto,
  UpdateAvailabilityDto,
} from './dto/availability.dto.js';
import type { SlotsQueryDto, SlotsResponseDto } from './dto/slots.dto.js';
import { AgendaOwner, resolveRange, SlotsService, toSlotDto } from './slots.service.js';
import { dateToUtcMidnight, parseHm, utcMidnightToDate } from './time-zone.js';

const AGENDA_SELECT = { id: true, timezone: true, bufferTime: true, defaultDuration: true } as const;

function toRuleDto(a: Availability): AvailabilityRuleDto {
  return {
    id: a.id,
    type: a.type,
    dayOfWeek: a.dayOfWeek!,
    startTime: a.startTime!,
    endTime: a.endTime!,
    slotDuration: a.slotDuration,
    isActive: a.isActive,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** The owner's own reads join its private reasons (owner-only under RLS, never read for slots). */
const WITH_REASON = { privateReason: { select: { reason: true } } } as const;
type AvailabilityWithReason = Availability & { privateReason: { reason: string } | null };

function toExceptionDto(a: AvailabilityWithReason): AvailabilityExceptionDto {
  return {
    id: a.id,
    type: a.type,
    date: utcMidnightToDate(a.date!.getTime()),
    isAvailable: a.isAvailable,
    startTime: a.startTime,
    endTime: a.endTime,
    slotDuration: a.slotDuration,
    reason: a.privateReason?.reason ?? null,
    createdAt: a.createdAt,
  };
}

function requireEndAfterStart(startTime: string, endTime: string, slotDuration?: number): void {
  if (parseHm(endTime) <= parseHm(startTime)) {
    throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: 'endTime', message: 'doit être après startTime' }]);
  }
  if (slotDuration !== undefined && parseHm(endTime) - parseHm(startTime) < slotDuration) {
    throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: 'endTime', message: 'la plage doit contenir au moins un créneau (slotDuration)' }]);
  }
}

/**
 * Availability rules and exceptions of SPEC §4.6 (AV1–AV5), owner only: every query is scoped to the
 * caller's practitioner id (and RLS allows writes on one's own rows only), so another practitioner's
 * id matches nothing → 404. AV6 slots are computed by SlotsService.
 */
@Injectable()
export class AvailabilityService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly audit: AuditService,
    private readonly slotsService: SlotsService,
  ) {}

  // ---------- AV1 ----------

  async list(me: Identity): Promise<AvailabilityListDto> {
    const practitionerId = this.practitionerId(me);
    const rows = await this.tenant.db.availability.findMany({
      where: { practitionerId },
      include: WITH_REASON,
      orderBy: [{ dayOfWeek: 'asc' }, { startTime: 'asc' }, { date: 'asc' }, { createdAt: 'asc' }],
    });
    return {
      recurring: rows.filter((r) => r.type === AvailabilityType.RECURRING).map(toRuleDto),
      exceptions: rows.filter((r) => r.type === AvailabilityType.EXCEPTION).map(toExceptionDto),
    };
  }

  // ---------- AV2 ----------

  async createRule(me: Identity, dto: CreateAvailabilityDto): Promise<AvailabilityRuleDto> {
    const practitioner = await this.self(me);
    const slotDuration = dto.slotDuration ?? practitioner.defaultDuration;
    requireEndAfterStart(dto.startTime, dto.endTime, slotDuration);
    const row = await this.tenant.tx(async (tx) => {
      await this.lockAgenda(tx, practitioner.id);
      await this.assertNoOverlap(tx, practitioner.id, dto.dayOfWeek, dto.startTime, dto.endTime);
      const created = await tx.availability.create({
        data: { practitionerId: practitioner.id, type: AvailabilityType.RECURRING, dayOfWeek: dto.dayOfWeek, startTime: dto.startTime, endTime: dto.endTime, slotDuration },
      });
      await this.audit.record({ action: AuditAction.CREATE, resource: 'availability', resourceId: created.id, details: { event: 'AVAILABILITY_RULE_CREATED' } }, tx);
      return created;
    });
    return toRuleDto(row);
  }

  // ---------- AV3 ----------

  async updateRule(me: Identity, id: string, dto: UpdateAvailabilityDto): Promise<AvailabilityRuleDto> {
    const practitionerId = this.practitionerId(me);
    const row = await this.tenant.tx(async (tx) => {
      await this.lockAgenda(tx, practitionerId);
      const current = await tx.availability.findFirst({ where: { id, practitionerId } });
      if (!current) throw AppException.notFound('Disponibilité introuvable');
      if (current.type !== AvailabilityType.RECURRING) {
        throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Une exception ne se modifie pas : supprimez-la puis recréez-la');
      }
      const next = {
        dayOfWeek: dto.dayOfWeek ?? current.dayOfWeek!,
        startTime: dto.startTime ?? current.startTime!,
        endTime: dto.endTime ?? current.endTime!,
        slotDuration: dto.slotDuration ?? current.slotDuration,
        isActive: dto.isActive ?? current.isActive,
      };
      requireEndAfterStart(next.startTime, next.endTime, next.slotDuration);
      if (next.isActive) await this.assertNoOverlap(tx, practitionerId, next.dayOfWeek, next.startTime, next.endTime, id);
      // booked consultations keep their time: they hold the slot themselves (SPEC §4.6 AV3)
      const updated = await tx.availability.update({ where: { id }, data: next });
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'availability', resourceId: id, details: { event: 'AVAILABILITY_RULE_UPDATED' } }, tx);
      return updated;
    });
    return toRuleDto(row);
  }

  // ---------- AV4 ----------

  /** Hard delete: rules and exceptions are schedule settings, not records, and no booking points at them. */
  async remove(me: Identity, id: string): Promise<void> {
    const practitionerId = this.practitionerId(me);
    await this.tenant.tx(async (tx) => {
      const { count } = await tx.availability.deleteMany({ where: { id, practitionerId } });
      if (count === 0) throw AppException.notFound('Disponibilité introuvable');
      await this.audit.record({ action: AuditAction.DELETE, resource: 'availability', resourceId: id, details: { event: 'AVAILABILITY_DELETED' } }, tx);
    });
  }

  // ---------- AV5 ----------

  async createException(me: Identity, dto: CreateExceptionDto): Promise<AvailabilityExceptionDto> {
    const practitioner = await this.self(me);
    if (dto.date < this.slotsService.today(practitioner.timezone)) {
      throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: 'date', message: 'ne peut pas être dans le passé' }]);
    }
    if ((dto.startTime === undefined) !== (dto.endTime === undefined)) {
      const missing = dto.startTime === undefined ? 'startTime' : 'endTime';
      throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: missing, message: 'startTime et endTime vont ensemble' }]);
    }
    if (dto.isAvailable && dto.startTime === undefined) {
      throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: 'startTime', message: 'une ouverture supplémentaire demande une plage horaire' }]);
    }
    const slotDuration = dto.slotDuration ?? practitioner.defaultDuration;
    if (dto.startTime && dto.endTime) requireEndAfterStart(dto.startTime, dto.endTime, dto.isAvailable ? slotDuration : undefined);
    const row = await this.tenant.tx(async (tx) => {
      const created = await tx.availability.create({
        data: {
          practitionerId: practitioner.id,
          type: AvailabilityType.EXCEPTION,
          // the practitioner-local calendar day, stored as that day's 00:00 UTC
          date: new Date(dateToUtcMidnight(dto.date)),
          isAvailable: dto.isAvailable,
          startTime: dto.startTime ?? null,
          endTime: dto.endTime ?? null,
          slotDuration,
          ...(dto.reason ? { privateReason: { create: { reason: dto.reason } } } : {}),
        },
        include: WITH_REASON,
      });
      await this.audit.record({ action: AuditAction.CREATE, resource: 'availability', resourceId: created.id, details: { event: 'AVAILABILITY_EXCEPTION_CREATED' } }, tx);
      return created;
    });
    return toExceptionDto(row);
  }

  // ---------- AV6 ----------

  async slots(me: Identity, q: SlotsQueryDto): Promise<SlotsResponseDto> {
    const owner = await this.slotOwner(me, q.practitionerId);
    const range = resolveRange(q, this.slotsService.today(owner.timezone));
    const slots = await this.slotsService.slots(owner, range);
    return { practitionerId: owner.id, timezone: owner.timezone, from: range.from, to: range.to, slots: slots.map(toSlotDto) };
  }

  /** A practitioner reads its own agenda; an employee a listed (validated, active) practitioner's. */
  private async slotOwner(me: Identity, practitionerId?: string): Promise<AgendaOwner> {
    if (me.practitionerId) {
      if (practitionerId && practitionerId !== me.practitionerId) throw AppException.notFound('Praticien introuvable');
      return this.self(me);
    }
    if (!practitionerId) {
      throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: 'practitionerId', message: 'requis' }]);
    }
    const owner = await this.tenant.db.practitioner.findFirst({ where: { id: practitionerId, isValidated: true, isActive: true }, select: AGENDA_SELECT });
    if (!owner) throw AppException.notFound('Praticien introuvable');
    return owner;
  }

  // ---------- helpers ----------

  private practitionerId(me: Identity): string {
    if (!me.practitionerId) throw AppException.notFound('Profil praticien introuvable');
    return me.practitionerId;
  }

  private async self(me: Identity) {
    const row = await this.tenant.db.practitioner.findUnique({ where: { id: this.practitionerId(me) }, select: AGENDA_SELECT });
    if (!row) throw AppException.notFound('Profil praticien introuvable');
    return row;
  }

  /** Serialises rule writes of one practitioner, so two concurrent requests cannot both pass the overlap check. */
  private async lockAgenda(tx: TenantTx, practitionerId: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`availability:${practitionerId}`}))`;
  }

  private async assertNoOverlap(tx: TenantTx, practitionerId: string, dayOfWeek: number, startTime: string, endTime: string, exceptId?: string): Promise<void> {
    // "HH:mm" strings compare like the times they denote
    const clash = await tx.availability.findFirst({
      where: {
        practitionerId,
        type: AvailabilityType.RECURRING,
        isActive: true,
        dayOfWeek,
        startTime: { lt: endTime },
        endTime: { gt: startTime },
        ...(exceptId ? { id: { not: exceptId } } : {}),
      },
      select: { id: true, startTime: true, endTime: true },
    });
    if (clash) {
      throw AppException.conflict(ErrorCode.AVAILABILITY_OVERLAP, `Cette plage chevauche une disponibilité existante (${clash.startTime}–${clash.endTime})`, [
        { field: 'startTime', message: `chevauche la règle ${clash.id}` },
      ]);
    }
  }
}
