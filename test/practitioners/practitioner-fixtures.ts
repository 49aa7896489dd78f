import { ConsultationFormat, ConsultationStatus, Prisma, PrismaClient, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { addDays, localToUtc, parseHm, utcToLocal } from '../../src/modules/availability/time-zone.js';
import { createUser, TestUser } from '../helpers/fixtures.js';

export const PARIS = 'Europe/Paris';

/** A validated, active practitioner (createUser's defaults), with profile columns overridden. */
export async function createPractitioner(db: PrismaClient, data: Prisma.PractitionerUpdateInput = {}, opts: { active?: boolean } = {}): Promise<TestUser> {
  const user = await createUser(db, Role.PRACTITIONER, opts);
  if (Object.keys(data).length) await db.practitioner.update({ where: { id: user.practitionerId! }, data });
  return user;
}

export async function addRule(db: PrismaClient, practitionerId: string, dayOfWeek: number, startTime: string, endTime: string, slotDuration = 50): Promise<string> {
  const row = await db.availability.create({ data: { practitionerId, type: 'RECURRING', dayOfWeek, startTime, endTime, slotDuration } });
  return row.id;
}

export async function addRulesEveryDay(db: PrismaClient, practitionerId: string, startTime: string, endTime: string, slotDuration = 50): Promise<void> {
  await db.availability.createMany({
    data: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ practitionerId, type: 'RECURRING' as const, dayOfWeek, startTime, endTime, slotDuration })),
  });
}

/** The practitioner-local calendar date `days` after today. */
export function localDate(days: number, tz = PARIS): string {
  return addDays(utcToLocal(tz, Date.now()).date, days);
}

/** The UTC instant of a local wall-clock time. */
export function at(date: string, hm: string, tz = PARIS): Date {
  return new Date(localToUtc(tz, date, parseHm(hm))!);
}

/** The first date ≥ today + minDays falling on `dayOfWeek` (0 = Sunday). */
export function nextWeekday(dayOfWeek: number, minDays = 2, tz = PARIS): string {
  for (let d = minDays; ; d++) {
    const date = localDate(d, tz);
    if (new Date(`${date}T00:00:00Z`).getUTCDay() === dayOfWeek) return date;
  }
}

/**
 * A consultation inserted directly, as the booking code will write it: blockedUntil = end + buffer,
 * so the practitioner exclusion constraint covers the buffer.
 */
export async function insertConsultation(
  db: PrismaClient,
  opts: { practitionerId: string; employee: TestUser; start: Date; minutes?: number; buffer?: number; status?: ConsultationStatus },
): Promise<string> {
  const minutes = opts.minutes ?? 50;
  const end = new Date(opts.start.getTime() + minutes * 60_000);
  const row = await db.consultation.create({
    data: {
      companyId: opts.employee.companyId!,
      employeeId: opts.employee.employeeId!,
      practitionerId: opts.practitionerId,
      scheduledAt: opts.start,
      scheduledEndAt: end,
      blockedUntil: new Date(end.getTime() + (opts.buffer ?? 10) * 60_000),
      duration: minutes,
      format: ConsultationFormat.VIDEO,
      status: opts.status ?? ConsultationStatus.SCHEDULED,
      roomName: `room-${randomUUID()}`,
    },
  });
  return row.id;
}

/** Callers of each role, for 401/403 sweeps. */
export async function usersByRole(db: PrismaClient): Promise<Map<Role, TestUser>> {
  const users = new Map<Role, TestUser>();
  for (const role of Object.values(Role)) users.set(role, await createUser(db, role));
  return users;
}

export const fields = (body: { error?: { details?: { field?: string }[] } }) => (body.error?.details ?? []).map((d) => d.field);
