// /audio-call (SPEC §5.3 W11–W24): handshake, every event's success and errors, relay to the other
// party's call socket only, call:ended on end and on disconnect, ROOM_JOINED / ROOM_LEFT, rate limit.
import { ConsultationStatus, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { insertConsultation } from '../consultations/helpers.js';
import { createUser, signAccessToken, type TestUser } from '../helpers/fixtures.js';
import { barrier, disconnected, emitAck, eventually, recordAll } from '../helpers/realtime.js';
import { connectSocket, nextEvent } from '../helpers/sockets.js';
import { startTestApp, type TestContext } from '../helpers/test-app.js';

const SIGNAL_LIMIT = 40;
// the whole suite shares 2 cores: a flow of several logins and sockets needs more than the default 30 s
const SLOW = 90_000;
let t: TestContext;
const open: Socket[] = [];

beforeAll(async () => {
  t = await startTestApp({ env: { CALL_SIGNALS_PER_10S: String(SIGNAL_LIMIT) } });
});
afterAll(async () => {
  for (const s of open) s.close();
  await t?.close();
});

async function connect(user: TestUser, namespace = '/audio-call'): Promise<Socket> {
  const s = await connectSocket(t.wsUrl, namespace, signAccessToken(user));
  open.push(s);
  return s;
}

/** An employee and a practitioner with an AUDIO consultation starting in 5 minutes (inside the join window). */
async function pair(opts: { format?: 'AUDIO' | 'VIDEO' | 'IN_PERSON'; status?: ConsultationStatus; start?: Date; minutes?: number } = {}) {
  const employee = await createUser(t.db, Role.EMPLOYEE);
  const practitioner = await createUser(t.db, Role.PRACTITIONER);
  const start = opts.start ?? new Date(Date.now() + 5 * 60_000);
  const done = opts.status === ConsultationStatus.COMPLETED;
  const c = await insertConsultation(t.db, employee, practitioner, {
    start,
    ...(done ? { startedAt: new Date(Date.now() - 60_000), endedAt: new Date() } : {}),
    minutes: opts.minutes,
    format: opts.format ?? 'AUDIO',
    status: opts.status,
  });
  return { employee, practitioner, consultationId: c.id };
}

const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const answer = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 };

async function roomEvents(consultationId: string) {
  const rows = await t.db.consultationEvent.findMany({ where: { consultationId }, orderBy: { timestamp: 'asc' } });
  return rows.map((r) => r.eventType).filter((e) => e.startsWith('ROOM_'));
}

describe('handshake', () => {
  it('refuses a missing or invalid token with UNAUTHORIZED, and every admin role with FORBIDDEN', async () => {
    await expect(connectSocket(t.wsUrl, '/audio-call')).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(connectSocket(t.wsUrl, '/audio-call', 'not-a-jwt')).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    for (const role of [Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN]) {
      const admin = await createUser(t.db, role);
      await expect(connectSocket(t.wsUrl, '/audio-call', signAccessToken(admin))).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    }
  }, SLOW);

  it('the root namespace refuses every connection: UNAUTHORIZED without a token, NOT_FOUND with one', async () => {
    const e = await createUser(t.db, Role.EMPLOYEE);
    await expect(connectSocket(t.wsUrl, '/')).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(connectSocket(t.wsUrl, '/', signAccessToken(e))).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
  }, SLOW);
});

describe('a call from initiate to end', () => {
  it('rings every callee tab, relays offer/answer/ICE between the two call sockets only, ends on call:end, records ROOM_JOINED/ROOM_LEFT', async () => {
    const { employee, practitioner, consultationId } = await pair();
    const outsider = await createUser(t.db, Role.EMPLOYEE);
    const eCall = await connect(employee);
    const eOtherTab = await connect(employee);
    const pCall = await connect(practitioner);
    const pOtherTab = await connect(practitioner);
    const stranger = await connect(outsider);
    const bystanders = [eOtherTab, pOtherTab, stranger].map(recordAll);

    const ringing = [nextEvent(pCall, 'call:incoming'), nextEvent(pOtherTab, 'call:incoming')];
    // calleeId is ignored: the callee is derived from the consultation
    const started = await emitAck(eCall, 'call:initiate', { consultationId, calleeId: outsider.id });
    expect(started).toEqual({ ok: true, status: 'calling' });
    for (const r of await Promise.all(ringing)) expect(r).toEqual({ consultationId, callerId: employee.id });

    // an offer before accept is dropped with an error, and nobody receives it
    const early = await emitAck(eCall, 'webrtc:offer', { consultationId, offer });
    expect(early).toMatchObject({ ok: false, error: { code: 'CALL_NOT_ACCEPTED' } });
    const pCallLog = recordAll(pCall);

    // the outsider cannot accept (not a participant), nor can the caller accept its own call
    expect(await emitAck(stranger, 'call:accept', { consultationId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await emitAck(eCall, 'call:accept', { consultationId })).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });

    const accepted = nextEvent(eCall, 'call:accepted');
    expect(await emitAck(pCall, 'call:accept', { consultationId })).toEqual({ ok: true, status: 'accepted' });
    expect(await accepted).toEqual({ consultationId, calleeId: practitioner.id });
    expect(await emitAck(pOtherTab, 'call:accept', { consultationId })).toMatchObject({ ok: false, error: { code: 'CALL_IN_PROGRESS' } });

    const gotOffer = nextEvent(pCall, 'webrtc:offer');
    expect(await emitAck(eCall, 'webrtc:offer', { consultationId, offer })).toEqual({ ok: true, status: 'relayed' });
    expect(await gotOffer).toEqual({ consultationId, offer });
    const gotAnswer = nextEvent(eCall, 'webrtc:answer');
    expect(await emitAck(pCall, 'webrtc:answer', { consultationId, answer })).toEqual({ ok: true, status: 'relayed' });
    expect(await gotAnswer).toEqual({ consultationId, answer });
    const iceToP = nextEvent(pCall, 'webrtc:ice-candidate');
    const iceToE = nextEvent(eCall, 'webrtc:ice-candidate');
    expect(await emitAck(eCall, 'webrtc:ice-candidate', { consultationId, candidate })).toMatchObject({ ok: true });
    expect(await emitAck(pCall, 'webrtc:ice-candidate', { consultationId, candidate: { candidate: '' } })).toMatchObject({ ok: true });
    expect(await iceToP).toEqual({ consultationId, candidate: { ...candidate, usernameFragment: null } });
    expect(await iceToE).toEqual({ consultationId, candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: null } });
    expect(pCallLog.events.filter((e) => e.event === 'webrtc:offer')).toHaveLength(1); // the early offer never arrived

    // another tab of a party, or an outsider, is not part of the call
    for (const s of [pOtherTab, eOtherTab, stranger]) {
      expect(await emitAck(s, 'webrtc:ice-candidate', { consultationId, candidate })).toMatchObject({ ok: false, error: { code: expect.stringMatching(/CALL_NOT_FOUND|NOT_FOUND/) } });
    }

    const ended = nextEvent(pCall, 'call:ended');
    expect(await emitAck(eCall, 'call:end', { consultationId })).toEqual({ ok: true, status: 'ended' });
    expect(await ended).toEqual({ consultationId });
    expect(await emitAck(eCall, 'webrtc:offer', { consultationId, offer })).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });

    await Promise.all([eOtherTab, pOtherTab, stranger].map(barrier));
    const relayed = ['webrtc:offer', 'webrtc:answer', 'webrtc:ice-candidate', 'call:accepted', 'call:ended'];
    for (const log of bystanders) expect(log.events.filter((e) => relayed.includes(e.event))).toEqual([]);
    expect(bystanders[2].events.filter((e) => e.event.startsWith('call:'))).toEqual([]); // the stranger never rang

    await eventually(async () => (await roomEvents(consultationId)).length === 3);
    expect(await roomEvents(consultationId)).toEqual(['ROOM_JOINED', 'ROOM_JOINED', 'ROOM_LEFT']);
  }, SLOW);

  it('the practitioner may call too; a rejected call is gone', async () => {
    const { employee, practitioner, consultationId } = await pair();
    const p = await connect(practitioner);
    const e = await connect(employee);
    const incoming = nextEvent(e, 'call:incoming');
    expect(await emitAck(p, 'call:initiate', { consultationId })).toEqual({ ok: true, status: 'calling' });
    expect(await incoming).toEqual({ consultationId, callerId: practitioner.id });
    expect(await emitAck(p, 'call:initiate', { consultationId })).toMatchObject({ ok: false, error: { code: 'CALL_IN_PROGRESS' } });

    const rejected = nextEvent(p, 'call:rejected');
    expect(await emitAck(e, 'call:reject', { consultationId })).toEqual({ ok: true, status: 'rejected' });
    expect(await rejected).toEqual({ consultationId });
    expect(await emitAck(e, 'call:accept', { consultationId })).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
    expect(await emitAck(e, 'call:reject', { consultationId })).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
    expect(await emitAck(p, 'call:end', { consultationId })).toMatchObject({ ok: false, error: { code: 'CALL_NOT_FOUND' } });
  }, SLOW);

  it('a caller who hangs up while it rings stops every callee tab ringing', async () => {
    const { employee, practitioner, consultationId } = await pair();
    const e = await connect(employee);
    const [p1, p2] = [await connect(practitioner), await connect(practitioner)];
    const ringing = [nextEvent(p1, 'call:incoming'), nextEvent(p2, 'call:incoming')];
    await emitAck(e, 'call:initiate', { consultationId });
    await Promise.all(ringing);
    const stops = [nextEvent(p1, 'call:ended'), nextEvent(p2, 'call:ended')];
    expect(await emitAck(e, 'call:end', { consultationId })).toEqual({ ok: true, status: 'ended' });
    expect(await Promise.all(stops)).toEqual([{ consultationId }, { consultationId }]);
  }, SLOW);
});

describe('call:ended when the other party disconnects', () => {
  it('the peer gets call:ended, ROOM_LEFT is recorded, and a new call can start', async () => {
    const { employee, practitioner, consultationId } = await pair();
    const e = await connect(employee);
    const p = await connect(practitioner);
    const incoming = nextEvent(p, 'call:incoming');
    await emitAck(e, 'call:initiate', { consultationId });
    await incoming;
    await emitAck(p, 'call:accept', { consultationId });

    const ended = nextEvent(p, 'call:ended');
    e.close();
    expect(await ended).toEqual({ consultationId });
    await eventually(async () => (await roomEvents(consultationId)).length === 3);
    expect(await roomEvents(consultationId)).toEqual(['ROOM_JOINED', 'ROOM_JOINED', 'ROOM_LEFT']);
    expect(await emitAck(p, 'call:initiate', { consultationId })).toEqual({ ok: true, status: 'calling' });
  }, SLOW);
});

describe('refusals', () => {
  it('non-participant and unknown ids: NOT_FOUND; the socket stays usable', async () => {
    const { consultationId } = await pair();
    const other = await createUser(t.db, Role.EMPLOYEE);
    const otherP = await createUser(t.db, Role.PRACTITIONER);
    const s = await connect(other);
    const sp = await connect(otherP);
    for (const [sock, event] of [[s, 'call:initiate'], [sp, 'call:initiate'], [s, 'call:accept'], [sp, 'call:accept']] as const) {
      expect(await emitAck(sock, event, { consultationId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    expect(await emitAck(s, 'call:initiate', { consultationId: randomUUID() })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(s.connected).toBe(true);
  }, SLOW);

  it('wrong format, outside the join window, terminal or cancelled status', async () => {
    const cases: [Parameters<typeof pair>[0], string][] = [
      [{ format: 'VIDEO' }, 'CALL_NOT_AUDIO'],
      [{ format: 'IN_PERSON' }, 'NO_ONLINE_ROOM'],
      [{ start: new Date(Date.now() + 2 * 86_400_000) }, 'TOO_EARLY_TO_JOIN'],
      [{ start: new Date(Date.now() - 3 * 3_600_000) }, 'ROOM_CLOSED'],
      [{ status: ConsultationStatus.COMPLETED }, 'ROOM_CLOSED'],
      [{ status: ConsultationStatus.NO_SHOW }, 'ROOM_CLOSED'],
      [{ status: ConsultationStatus.CANCELLED }, 'NOT_FOUND'],
    ];
    for (const [opts, code] of cases) {
      const { employee, practitioner, consultationId } = await pair(opts);
      const e = await connect(employee);
      const p = await connect(practitioner);
      const log = recordAll(p);
      expect(await emitAck(e, 'call:initiate', { consultationId }), code).toMatchObject({ ok: false, error: { code } });
      await barrier(p);
      expect(log.events.filter((x) => x.event === 'call:incoming'), code).toEqual([]);
      e.close();
      p.close();
    }
  }, SLOW);

  it('malformed payloads: VALIDATION_ERROR with the field, nothing relayed', async () => {
    const { employee, practitioner, consultationId } = await pair();
    const e = await connect(employee);
    const p = await connect(practitioner);
    const incoming = nextEvent(p, 'call:incoming');
    await emitAck(e, 'call:initiate', { consultationId });
    await incoming;
    await emitAck(p, 'call:accept', { consultationId });
    const log = recordAll(p);
    const bad: [string, unknown, string][] = [
      ['call:initiate', undefined, 'payload'],
      ['call:initiate', 'abc', 'payload'],
      ['call:initiate', {}, 'consultationId'],
      ['call:initiate', { consultationId: 'nope' }, 'consultationId'],
      ['call:accept', { consultationId, extra: 1 }, 'extra'],
      ['webrtc:offer', { consultationId }, 'offer'],
      ['webrtc:offer', { consultationId, offer: { type: 'answer', sdp: 'x' } }, 'offer.type'],
      ['webrtc:offer', { consultationId, offer: { type: 'offer', sdp: 'x'.repeat(100_001) } }, 'offer.sdp'],
      ['webrtc:offer', { consultationId, offer: { ...offer, evil: '<script>' } }, 'offer.evil'],
      ['webrtc:answer', { consultationId, answer: { type: 'answer' } }, 'answer.sdp'],
      ['webrtc:ice-candidate', { consultationId, candidate: { candidate: 5 } }, 'candidate.candidate'],
      ['webrtc:ice-candidate', { consultationId, candidate: { candidate: '', sdpMLineIndex: -1 } }, 'candidate.sdpMLineIndex'],
    ];
    for (const [event, payload, field] of bad) {
      const ack = await (payload === undefined ? emitAck(e, event) : emitAck(e, event, payload)).catch((err: Error) => {
        throw new Error(`${event} ${field}: ${err.message}`);
      });
      expect(ack, `${event} ${field}`).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', details: [{ field }] } });
    }
    await barrier(p);
    expect(log.events.filter((x) => x.event.startsWith('webrtc:'))).toEqual([]);
    expect(e.connected).toBe(true);
  }, SLOW);

  it('an ICE flood is cut at the per-socket limit with RATE_LIMITED; the socket stays connected', async () => {
    const { employee, practitioner, consultationId } = await pair();
    const e = await connect(employee);
    const p = await connect(practitioner);
    const incoming = nextEvent(p, 'call:incoming');
    await emitAck(e, 'call:initiate', { consultationId });
    await incoming;
    await emitAck(p, 'call:accept', { consultationId });
    const log = recordAll(p);
    const acks = await Promise.all(Array.from({ length: SIGNAL_LIMIT + 10 }, () => emitAck(e, 'webrtc:ice-candidate', { consultationId, candidate })));
    const relayed = acks.filter((a) => a.ok).length;
    expect(relayed).toBe(SIGNAL_LIMIT - 1); // call:initiate counted too
    expect(acks.filter((a) => !a.ok).every((a) => a.error.code === 'RATE_LIMITED')).toBe(true);
    await barrier(p);
    expect(log.events.filter((x) => x.event === 'webrtc:ice-candidate')).toHaveLength(relayed);
    expect(e.connected).toBe(true);
  }, SLOW);
});

it('a ringing callee tab that closes does not end the call: another tab can still accept', async () => {
  const { employee, practitioner, consultationId } = await pair();
  const e = await connect(employee);
  const [p1, p2] = [await connect(practitioner), await connect(practitioner)];
  const ring = nextEvent(p2, 'call:incoming');
  await emitAck(e, 'call:initiate', { consultationId });
  await ring;
  p1.close();
  await disconnected(p1).catch(() => undefined);
  const accepted = nextEvent(e, 'call:accepted');
  expect(await emitAck(p2, 'call:accept', { consultationId })).toEqual({ ok: true, status: 'accepted' });
  await accepted;
}, SLOW);
