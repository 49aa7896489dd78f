// `/chat` namespace (SPEC §5.2 W1–W10) with real socket.io clients against the real app, PostgreSQL (RLS)
// and Redis: handshake, every event's success and errors, forbidden roles, non-participants, bad input,
// flooding, offline notifications.
import { Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { io } from 'socket.io-client';
import { RequestContext } from '../../src/common/context/request-context.service.js';
import { EnvelopeCrypto } from '../../src/infra/crypto/envelope-crypto.service.js';
import { SubjectKeys } from '../../src/infra/crypto/subject-keys.service.js';
import { sealMessageContent } from '../../src/modules/chat/message-crypto.js';
import { createUser, signAccessToken } from '../helpers/fixtures.js';
import { connectSocket, nextEvent } from '../helpers/sockets.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { ack, chatSocket, createPair, record, subjectKeyOf } from './helpers.js';

// generous per-test time: a loaded 2-core machine stretches each round trip
describe('/chat socket namespace', { timeout: 120_000 }, () => {
  let t: TestContext;
  const open: Socket[] = [];
  const connect = async (user: Parameters<typeof chatSocket>[1]) => {
    const s = await chatSocket(t.wsUrl, user);
    open.push(s);
    return s;
  };
  const messages = (consultationId: string) => t.db.message.count({ where: { consultationId } });

  beforeAll(async () => {
    t = await startTestApp({ env: { CHAT_MESSAGES_PER_10S: '12', CHAT_NOTIFY_COOLDOWN_SECONDS: '0', CHAT_FOLLOW_UP_DAYS: '30' } });
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(() => t?.close());

  describe('handshake', () => {
    it('refuses a missing or invalid token with UNAUTHORIZED', async () => {
      await expect(connectSocket(t.wsUrl, '/chat')).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
      await expect(connectSocket(t.wsUrl, '/chat', 'not-a-token')).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    });

    it.each([Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.ADMIN_RH])('refuses %s with FORBIDDEN', async (role) => {
      const admin = await createUser(t.db, role);
      await expect(connectSocket(t.wsUrl, '/chat', signAccessToken(admin))).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    });

    it('accepts an Authorization: Bearer handshake header (non-browser clients)', async () => {
      const { employee } = await createPair(t.db);
      const socket = io(`${t.wsUrl}/chat`, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { Authorization: `Bearer ${signAccessToken(employee)}` } });
      open.push(socket);
      await nextEvent(socket, 'connect');
      expect(socket.connected).toBe(true);
    });
  });

  describe('chat:join / chat:history / chat:leave', () => {
    it('a participant joins and gets the last 50 messages decrypted, oldest first', async () => {
      const p = await createPair(t.db);
      // 53 messages encrypted exactly as the app does, written by the system role (fast fixtures)
      const crypto = t.app.get(EnvelopeCrypto);
      const { wrapping } = await subjectKeyOf(t.db, crypto, p.employee.id);
      const base = Date.now() - 3_600_000;
      await t.db.message.createMany({
        data: Array.from({ length: 53 }, (_, i) => {
          const who = i % 2 ? p.practitioner : p.employee;
          const id = randomUUID();
          const ref = { id, consultationId: p.consultationId, senderId: who.id };
          return { ...ref, senderRole: who.role, createdAt: new Date(base + i * 1000), ...sealMessageContent(crypto, wrapping, ref, `message ${i}`) };
        }),
      });
      const socket = await connect(p.employee);
      const history = nextEvent<any[]>(socket, 'chat:history');
      const reply = await ack(socket, 'chat:join', { consultationId: p.consultationId });
      expect(reply).toMatchObject({ ok: true, consultationId: p.consultationId, count: 50, nextCursor: expect.any(String) });
      const list = await history;
      expect(list.map((m) => m.content)).toEqual(Array.from({ length: 50 }, (_, i) => `message ${i + 3}`));
      expect(list[0]).toMatchObject({ senderId: p.practitioner.id, senderRole: 'PRACTITIONER', sender: { firstName: 'Paul' } });
    });

    it('a non-participant, an unknown id and malformed payloads are refused; nothing of the room reaches the refused socket', async () => {
      const p = await createPair(t.db);
      const outsider = await createUser(t.db, Role.EMPLOYEE);
      const otherPractitioner = await createUser(t.db, Role.PRACTITIONER);
      const member = await connect(p.practitioner);
      await ack(member, 'chat:join', { consultationId: p.consultationId });
      for (const intruder of [outsider, otherPractitioner]) {
        const socket = await connect(intruder);
        const seen = record(socket);
        const error = nextEvent(socket, 'chat:error');
        expect(await ack(socket, 'chat:join', { consultationId: p.consultationId })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: expect.any(String) } });
        expect(await error).toMatchObject({ code: 'NOT_FOUND' });
        expect(await ack(socket, 'chat:message', { consultationId: p.consultationId, content: 'hello' })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_JOINED' } });
        expect(await ack(socket, 'chat:typing', { consultationId: p.consultationId, isTyping: true })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_JOINED' } });
        // the room is active meanwhile
        const employee = await connect(p.employee);
        await ack(employee, 'chat:join', { consultationId: p.consultationId });
        const got = nextEvent(member, 'chat:message:received');
        const typing = nextEvent(member, 'chat:typing');
        await ack(employee, 'chat:message', { consultationId: p.consultationId, content: 'private' });
        await ack(employee, 'chat:typing', { consultationId: p.consultationId, isTyping: true });
        await got;
        await typing;
        await ack(socket, 'chat:leave', { consultationId: p.consultationId }); // one more round trip on the refused socket
        expect(seen.map(([e]) => e)).toEqual(['chat:error']);
        employee.close();
      }
      const socket = await connect(outsider);
      expect(await ack(socket, 'chat:join', { consultationId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await ack(socket, 'chat:join', { consultationId: 'nope' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', details: [{ field: 'consultationId' }] } });
      expect(await ack(socket, 'chat:join', 'a string')).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
      expect(await ack(socket, 'chat:join', null)).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
      expect(await ack(socket, 'chat:join', { consultationId: p.consultationId, extra: 1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', details: [{ field: 'extra' }] } });
      expect(await ack(socket, 'chat:join', JSON.parse(`{"consultationId":"${p.consultationId}","__proto__":{"x":1}}`))).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    });

    it('chat:leave stops delivery; leaving a room not joined is CHAT_NOT_JOINED', async () => {
      const p = await createPair(t.db);
      const [e, pr] = [await connect(p.employee), await connect(p.practitioner)];
      await ack(e, 'chat:join', { consultationId: p.consultationId });
      await ack(pr, 'chat:join', { consultationId: p.consultationId });
      expect(await ack(pr, 'chat:leave', { consultationId: p.consultationId })).toEqual({ ok: true, consultationId: p.consultationId });
      expect(await ack(pr, 'chat:leave', { consultationId: p.consultationId })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_JOINED' } });
      const seen = record(pr);
      await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'after leave' });
      await ack(pr, 'chat:join', { consultationId: p.consultationId }); // round trip; the history now includes the message
      expect(seen.filter(([ev]) => ev === 'chat:message:received')).toEqual([]);
      expect(await ack(pr, 'chat:message', { consultationId: p.consultationId, content: 'x' })).toMatchObject({ ok: true });
    });
  });

  describe('chat:message', () => {
    it('persists encrypted with the sender from the token, acks, and broadcasts W7 to the room', async () => {
      const p = await createPair(t.db);
      const [e, pr] = [await connect(p.employee), await connect(p.practitioner)];
      await ack(e, 'chat:join', { consultationId: p.consultationId });
      await ack(pr, 'chat:join', { consultationId: p.consultationId });
      const received = nextEvent<any>(pr, 'chat:message:received');
      const echoed = nextEvent<any>(e, 'chat:message:received');
      const reply = await ack(e, 'chat:message', { consultationId: p.consultationId, content: '  Je me sens mieux depuis mardi  ' });
      expect(reply).toEqual({ ok: true, messageId: expect.any(String), createdAt: expect.any(String) });
      const msg = await received;
      expect(msg).toMatchObject({
        id: reply.messageId,
        consultationId: p.consultationId,
        senderId: p.employee.id,
        senderRole: 'EMPLOYEE',
        content: 'Je me sens mieux depuis mardi',
        attachmentUrl: null,
        createdAt: expect.any(String),
        sender: { firstName: 'Emma', lastName: expect.stringContaining('Employee-'), avatarUrl: null },
      });
      expect((await echoed).id).toBe(reply.messageId);
      const row = await t.db.message.findUniqueOrThrow({ where: { id: reply.messageId } });
      expect(row).toMatchObject({ senderId: p.employee.id, senderRole: 'EMPLOYEE', isRead: false });
      expect(JSON.stringify(row)).not.toContain('mieux');
    });

    it('refuses a client-chosen sender, empty or oversize content, another consultation and before join; nothing is persisted', async () => {
      const p = await createPair(t.db);
      const other = await createPair(t.db, { employee: p.employee });
      const e = await connect(p.employee);
      expect(await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'before join' })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_JOINED' } });
      await ack(e, 'chat:join', { consultationId: p.consultationId });
      const bad = [
        [{ consultationId: p.consultationId, content: 'x', senderId: p.practitioner.id }, 'senderId'],
        [{ consultationId: p.consultationId, content: '   ' }, 'content'],
        [{ consultationId: p.consultationId, content: 'x'.repeat(5001) }, 'content'],
        [{ consultationId: p.consultationId, content: 42 }, 'content'],
        [{ consultationId: p.consultationId }, 'content'],
        [{ consultationId: p.consultationId, content: 'x', attachmentUrl: 'http://evil.test/a.pdf' }, 'attachmentUrl'],
      ] as const;
      for (const [payload, field] of bad) {
        const reply = await ack(e, 'chat:message', payload);
        expect(reply, field).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
        expect(reply.error.details.map((d: any) => d.field)).toContain(field);
      }
      // participant of the other consultation, but not joined to it on this socket
      expect(await ack(e, 'chat:message', { consultationId: other.consultationId, content: 'x' })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_JOINED' } });
      // an attachment the sender did not upload for this consultation
      expect(await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'x', attachmentUrl: '/api/files/00000000-0000-4000-8000-000000000000' })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_ERROR', details: [{ field: 'attachmentUrl' }] },
      });
      expect(await messages(p.consultationId)).toBe(0);
      expect(await messages(other.consultationId)).toBe(0);
      expect(await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'x'.repeat(5000) })).toMatchObject({ ok: true });
    });

    it('CANCELLED, NO_SHOW and COMPLETED beyond the follow-up window are read-only (CHAT_CLOSED); a recent COMPLETED is writable', async () => {
      const ended = (days: number) => new Date(Date.now() - days * 86_400_000);
      const cases = [
        [{ status: 'CANCELLED' as const }, false],
        [{ status: 'NO_SHOW' as const }, false],
        [{ status: 'COMPLETED' as const, startedAt: ended(31.1), endedAt: ended(31) }, false],
        [{ status: 'COMPLETED' as const, startedAt: ended(2.1), endedAt: ended(2) }, true],
      ] as const;
      for (const [opts, writable] of cases) {
        const p = await createPair(t.db, opts);
        const e = await connect(p.employee);
        expect(await ack(e, 'chat:join', { consultationId: p.consultationId })).toMatchObject({ ok: true });
        const reply = await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'hello' });
        if (writable) expect(reply).toMatchObject({ ok: true });
        else expect(reply, opts.status).toEqual({ ok: false, error: { code: 'CHAT_CLOSED', message: expect.any(String) } });
        expect(await messages(p.consultationId)).toBe(writable ? 1 : 0);
      }
    });

    it('a consultation cancelled after chat:join is read-only at once: CHAT_CLOSED, nothing persisted (the database refuses it, the joined room is checked again)', async () => {
      const p = await createPair(t.db);
      const e = await connect(p.employee);
      expect(await ack(e, 'chat:join', { consultationId: p.consultationId })).toMatchObject({ ok: true });
      expect(await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'before' })).toMatchObject({ ok: true });
      await t.db.consultation.update({ where: { id: p.consultationId }, data: { status: 'CANCELLED', cancelledAt: new Date() } });
      expect(await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'after' })).toEqual({ ok: false, error: { code: 'CHAT_CLOSED', message: expect.any(String) } });
      expect(await messages(p.consultationId)).toBe(1);
      expect(e.connected).toBe(true);
    });

    it('flooding: beyond the per-user window an error ack RATE_LIMITED, nothing persisted, the socket stays usable', async () => {
      const p = await createPair(t.db);
      const e = await connect(p.employee);
      await ack(e, 'chat:join', { consultationId: p.consultationId });
      const replies = await Promise.all(Array.from({ length: 16 }, (_, i) => ack(e, 'chat:message', { consultationId: p.consultationId, content: `m${i}` })));
      expect(replies.filter((r) => r.ok)).toHaveLength(12);
      for (const r of replies.filter((r) => !r.ok)) expect(r.error.code).toBe('RATE_LIMITED');
      expect(await messages(p.consultationId)).toBe(12);
      expect(e.connected).toBe(true);
      expect(await ack(e, 'chat:typing', { consultationId: p.consultationId, isTyping: false })).toEqual({ ok: true });
    });
    it('flooding a warm socket (room checked, subject key held: encryption runs while the limit is counted): exactly the limit persisted and broadcast, the rest RATE_LIMITED whatever their payload', async () => {
      const p = await createPair(t.db);
      const [e, pr] = [await connect(p.employee), await connect(p.practitioner)];
      await ack(e, 'chat:join', { consultationId: p.consultationId });
      await ack(pr, 'chat:join', { consultationId: p.consultationId });
      const seen = record(pr);
      // the first message creates the employee's subject key, the second reads it into the sender's cache
      for (const i of [0, 1]) expect(await ack(e, 'chat:message', { consultationId: p.consultationId, content: `warm ${i}` })).toMatchObject({ ok: true });
      const keys = t.app.get(SubjectKeys);
      const identity = { userId: p.employee.id, email: p.employee.email, role: Role.EMPLOYEE, companyId: null, employeeId: null, practitionerId: null };
      expect(await t.app.get(RequestContext).runAs(identity, async () => keys.holds(p.employee.id))).toBe(true);

      const replies = await Promise.all(Array.from({ length: 14 }, (_, i) => ack(e, 'chat:message', { consultationId: p.consultationId, content: `m${i}` })));
      expect(replies.filter((r) => r.ok)).toHaveLength(10);
      for (const r of replies.filter((r) => !r.ok)) expect(r.error).toMatchObject({ code: 'RATE_LIMITED', details: [{ field: 'chat:message' }] });
      // over the limit, the limit answers first: an invalid payload is RATE_LIMITED too, and nothing is written
      expect(await ack(e, 'chat:message', { consultationId: p.consultationId, content: '   ' })).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
      expect(await messages(p.consultationId)).toBe(12);
      // chat:typing goes out after every broadcast above, through the same server: once it arrived, all did
      const typing = nextEvent(pr, 'chat:typing');
      expect(await ack(e, 'chat:typing', { consultationId: p.consultationId, isTyping: true })).toEqual({ ok: true });
      await typing;
      expect(seen.filter(([ev]) => ev === 'chat:message:received')).toHaveLength(12);
    });
  });

  describe('chat:typing', () => {
    it('is relayed to the other member only, never stored; bad input refused', async () => {
      const p = await createPair(t.db);
      const [e, pr] = [await connect(p.employee), await connect(p.practitioner)];
      await ack(e, 'chat:join', { consultationId: p.consultationId });
      await ack(pr, 'chat:join', { consultationId: p.consultationId });
      const own = record(e);
      const typing = nextEvent<any>(pr, 'chat:typing');
      expect(await ack(e, 'chat:typing', { consultationId: p.consultationId, isTyping: true })).toEqual({ ok: true });
      expect(await typing).toEqual({ userId: p.employee.id, consultationId: p.consultationId, isTyping: true });
      expect(await ack(e, 'chat:typing', { consultationId: p.consultationId, isTyping: 'yes' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', details: [{ field: 'isTyping' }] } });
      expect(own.filter(([ev]) => ev === 'chat:typing')).toEqual([]);
      expect(await messages(p.consultationId)).toBe(0);
    });
  });

  describe('chat:read', () => {
    it('the recipient marks read and the room gets chat:message:read; the sender, strangers and bad ids are refused', async () => {
      const p = await createPair(t.db);
      const [e, pr] = [await connect(p.employee), await connect(p.practitioner)];
      await ack(e, 'chat:join', { consultationId: p.consultationId });
      const { messageId } = await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'lu ?' });
      // before joining the message's consultation
      expect(await ack(pr, 'chat:read', { messageId })).toMatchObject({ ok: false, error: { code: 'CHAT_NOT_JOINED' } });
      await ack(pr, 'chat:join', { consultationId: p.consultationId });
      expect(await ack(e, 'chat:read', { messageId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      const receipt = nextEvent<any>(e, 'chat:message:read');
      const reply = await ack(pr, 'chat:read', { messageId });
      expect(reply).toEqual({ ok: true, messageId, readAt: expect.any(String) });
      expect(await receipt).toEqual({ messageId, readBy: p.practitioner.id, readAt: reply.readAt });
      expect(await t.db.message.findUniqueOrThrow({ where: { id: messageId } })).toMatchObject({ isRead: true });

      const stranger = await connect(await createUser(t.db, Role.PRACTITIONER));
      expect(await ack(stranger, 'chat:read', { messageId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await ack(pr, 'chat:read', { messageId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await ack(pr, 'chat:read', { messageId: 12 })).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    });
  });

  describe('offline recipient', () => {
    it('gets a generic MESSAGE_RECEIVED notification and e-mail (no content, no sender) only when no socket of theirs is in the room', async () => {
      const p = await createPair(t.db);
      const [e, pr] = [await connect(p.employee), await connect(p.practitioner)];
      await ack(e, 'chat:join', { consultationId: p.consultationId });
      await ack(pr, 'chat:join', { consultationId: p.consultationId });
      const online = await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'Secret médical 1' });
      await ack(pr, 'chat:leave', { consultationId: p.consultationId });
      const offline = await ack(e, 'chat:message', { consultationId: p.consultationId, content: 'Secret médical 2' });
      const note = await vi.waitFor(async () => (await t.db.notification.findFirstOrThrow({ where: { userId: p.practitioner.id, type: 'MESSAGE_RECEIVED' } })), { timeout: 15_000, interval: 50 });
      expect(note).toMatchObject({ title: 'Nouveau message', message: 'Vous avez reçu un nouveau message.', metadata: { consultationId: p.consultationId, messageId: offline.messageId } });
      const mail = await t.sink.waitForTo(p.practitioner.email, 'Nouveau message');
      for (const text of [mail.text, mail.html, mail.subject, JSON.stringify(note)]) {
        expect(text).not.toContain('Secret');
        expect(text).not.toContain('Emma');
        expect(text).not.toContain('PSYCHOLOGUE');
      }
      const all = await t.db.notification.findMany({ where: { userId: p.practitioner.id, type: 'MESSAGE_RECEIVED' } });
      expect(all.map((n) => (n.metadata as any).messageId)).toEqual([offline.messageId]);
      expect(online.ok).toBe(true);
    });
  });
});
