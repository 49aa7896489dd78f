import { ConsultationStatus, PrismaClient, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { InFlightRequests } from '../../src/infra/lifecycle/in-flight.service.js';
import { createCompany, createUser, TestCompany, TestUser } from '../helpers/fixtures.js';
import type { TestContext } from '../helpers/test-app.js';

/** A validated practitioner open every day 08:00–20:00 UTC (or round the clock), 50 min slots + buffer. */
export async function createOpenPractitioner(db: PrismaClient, opts: { bufferTime?: number; offersInPerson?: boolean; acceptingNew?: boolean; allDay?: boolean } = {}): Promise<TestUser> {
  const p = await createUser(db, Role.PRACTITIONER);
  await db.practitioner.update({
    where: { id: p.practitionerId! },
    data: { timezone: 'UTC', bufferTime: opts.bufferTime ?? 10, offersVideo: true, offersPhone: true, offersInPerson: opts.offersInPerson ?? false, isAcceptingNewClients: opts.acceptingNew ?? true },
  });
  await db.availability.createMany({
    data: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ practitionerId: p.practitionerId!, type: 'RECURRING' as const, dayOfWeek, startTime: opts.allDay ? '00:00' : '08:00', endTime: opts.allDay ? '23:59' : '20:00', slotDuration: 50 })),
  });
  return p;
}

/** The start of the 10:00 UTC slot `days` days from now (a slot of createOpenPractitioner). */
export function slotAt(days: number, hour = 10): Date {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  d.setUTCHours(hour, 0, 0, 0);
  return d;
}

export async function employeesOf(db: PrismaClient, n: number, company?: TestCompany): Promise<TestUser[]> {
  const co = company ?? (await createCompany(db));
  const out: TestUser[] = [];
  for (let i = 0; i < n; i++) out.push(await createUser(db, Role.EMPLOYEE, { company: co }));
  return out;
}

/** A consultation written directly (system role), e.g. one that started minutes ago. */
export async function insertConsultation(
  db: PrismaClient,
  employee: TestUser,
  practitioner: TestUser,
  opts: { start: Date; minutes?: number; status?: ConsultationStatus; format?: 'VIDEO' | 'AUDIO' | 'IN_PERSON'; startedAt?: Date; endedAt?: Date },
) {
  const id = randomUUID();
  const end = new Date(opts.start.getTime() + (opts.minutes ?? 50) * 60_000);
  return db.consultation.create({
    data: {
      id,
      companyId: employee.companyId!,
      employeeId: employee.employeeId!,
      practitionerId: practitioner.practitionerId!,
      scheduledAt: opts.start,
      scheduledEndAt: end,
      blockedUntil: new Date(end.getTime() + 10 * 60_000),
      duration: opts.minutes ?? 50,
      format: opts.format ?? 'VIDEO',
      status: opts.status ?? 'SCHEDULED',
      startedAt: opts.startedAt ?? null,
      endedAt: opts.endedAt ?? null,
      roomName: (opts.format ?? 'VIDEO') === 'VIDEO' ? `huntzen-${id}-${Date.now()}` : null,
    },
  });
}

/**
 * Outbox delivery runs after the commit, off the response path (issue 11): waits until the app has no
 * request nor after-commit work in flight, i.e. the reminders and notifications are queued.
 */
export async function afterCommitWork(...apps: TestContext[]): Promise<void> {
  for (const t of apps) await t.app.get(InFlightRequests).idle(15_000);
}
