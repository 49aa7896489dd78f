import { ConsultationStatus, PrismaClient, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { EnvelopeCrypto, SUBJECT_KEY_PREFIX, type WrappingKey } from '../../src/infra/crypto/envelope-crypto.service.js';
import { SubjectKeyring } from '../../src/infra/crypto/subject-keys.service.js';
import { insertConsultation, slotAt } from '../consultations/helpers.js';
import { createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { connectSocket } from '../helpers/sockets.js';

export interface Pair {
  employee: TestUser;
  practitioner: TestUser;
  consultationId: string;
}

let day = 1;

/** An employee and a practitioner with one consultation (SCHEDULED unless said otherwise), written by the system role. */
export async function createPair(db: PrismaClient, opts: { status?: ConsultationStatus; endedAt?: Date; startedAt?: Date; practitioner?: TestUser; employee?: TestUser } = {}): Promise<Pair> {
  const employee = opts.employee ?? (await createUser(db, Role.EMPLOYEE));
  const practitioner = opts.practitioner ?? (await createUser(db, Role.PRACTITIONER));
  const c = await insertConsultation(db, employee, practitioner, { start: slotAt(day++, 10), status: opts.status, startedAt: opts.startedAt, endedAt: opts.endedAt });
  return { employee, practitioner, consultationId: c.id };
}

export const chatSocket = (wsUrl: string, user: TestUser) => connectSocket(wsUrl, '/chat', signAccessToken(user));

/** Emits with an acknowledgement (fails after 10 s without one). */
export function ack(socket: Socket, event: string, ...args: unknown[]): Promise<any> {
  return socket.timeout(10_000).emitWithAck(event, ...args);
}

/** Everything a socket receives, by event name (to prove it received nothing). */
export function record(socket: Socket): Array<[string, unknown]> {
  const seen: Array<[string, unknown]> = [];
  socket.onAny((event, payload) => seen.push([event, payload]));
  return seen;
}

/**
 * The subject key of `employeeUserId` (created when missing), as the app holds it: a wrapping key to seal
 * fixtures exactly like the chat does, and a keyring to open rows. Read and written by the system role.
 */
export async function subjectKeyOf(db: PrismaClient, crypto: EnvelopeCrypto, employeeUserId: string): Promise<{ wrapping: WrappingKey; ring: SubjectKeyring }> {
  let row = await db.subjectKey.findUnique({ where: { subjectId: employeeUserId } });
  if (!row) {
    const { key, stored } = crypto.newSubjectKey(employeeUserId);
    key.fill(0);
    row = await db.subjectKey.create({ data: { id: randomUUID(), subjectId: employeeUserId, ...stored } });
  }
  const key = crypto.openSubjectKey(employeeUserId, row);
  return { wrapping: { label: `${SUBJECT_KEY_PREFIX}${employeeUserId}`, key }, ring: new SubjectKeyring(crypto, new Map([[employeeUserId, Buffer.from(key)]])) };
}
