// REST fallback of the chat (SPEC §4.8 CH1–CH5, §4.19 I4–I5) against the real app: pagination, decryption,
// soft deletion, attachments through the files module, threads, edit window, broadcasts to `/chat`, every
// forbidden role and non-participants; and the ciphertext at rest (no plaintext, bound to its row).
import { Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { EnvelopeCrypto } from '../../src/infra/crypto/envelope-crypto.service.js';
import { openMessageContent, sealMessageContent } from '../../src/modules/chat/message-crypto.js';
import { bearer, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { binaryParser, makeOversized, makePdf, makePng, makeText } from '../helpers/files.js';
import { nextEvent } from '../helpers/sockets.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { ack, chatSocket, createPair, Pair, subjectKeyOf } from './helpers.js';

// generous per-test time: a loaded 2-core machine stretches each request to seconds
describe('chat REST CH1–CH5, I4, I5', { timeout: 120_000 }, () => {
  let t: TestContext;
  const admins: TestUser[] = [];
  const open: Socket[] = [];
  const as = (u: TestUser) => bearer(signAccessToken(u));
  const send = (p: Pair, who: TestUser, content: string) => t.http.post(`/api/chat/${p.consultationId}/messages`).set(as(who)).send({ content });
  const joined = async (u: TestUser, consultationId: string) => {
    const s = await chatSocket(t.wsUrl, u);
    open.push(s);
    expect(await ack(s, 'chat:join', { consultationId })).toMatchObject({ ok: true });
    return s;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { CHAT_NOTIFY_COOLDOWN_SECONDS: '0', CHAT_EDIT_WINDOW_MINUTES: '15' } });
    for (const role of [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.ADMIN_RH]) admins.push(await createUser(t.db, role));
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(() => t?.close());

  it('CH2 sends (201 { message } decrypted), broadcasts to the room; bad bodies 400; closed chat 409', async () => {
    const p = await createPair(t.db);
    const socket = await joined(p.practitioner, p.consultationId);
    const received = nextEvent<any>(socket, 'chat:message:received');
    const res = await send(p, p.employee, 'Bonjour docteur');
    expect(res.status).toBe(201);
    expect(res.body.message).toMatchObject({ consultationId: p.consultationId, senderId: p.employee.id, senderRole: 'EMPLOYEE', content: 'Bonjour docteur', messageType: 'TEXT', isRead: false, isEdited: false, isDeleted: false, senderName: expect.stringContaining('Emma') });
    expect(await received).toMatchObject({ id: res.body.message.id, content: 'Bonjour docteur' });

    for (const body of [{}, { content: '' }, { content: 'x'.repeat(5001) }, { content: 'x', senderId: p.practitioner.id }, { content: 'x', attachmentUrl: '/etc/passwd' }]) {
      const bad = await t.http.post(`/api/chat/${p.consultationId}/messages`).set(as(p.employee)).send(body);
      expect(bad.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_ERROR');
      expect(bad.body.error.details[0].field).toBeDefined();
    }
    expect((await t.http.post('/api/chat/nope/messages').set(as(p.employee)).send({ content: 'x' })).status).toBe(400);
    const cancelled = await createPair(t.db, { status: 'CANCELLED' });
    const closed = await send(cancelled, cancelled.employee, 'x');
    expect(closed.status).toBe(409);
    expect(closed.body.error.code).toBe('CHAT_CLOSED');
    expect(await t.db.message.count({ where: { consultationId: p.consultationId } })).toBe(1);
  });

  it('CH1 pages backwards with a cursor, oldest first in each page; bad cursor or limit 400', async () => {
    const p = await createPair(t.db);
    // 7 messages encrypted exactly as the app does, written by the system role (fast fixtures)
    const crypto = t.app.get(EnvelopeCrypto);
    const { wrapping } = await subjectKeyOf(t.db, crypto, p.employee.id);
    const base = Date.now() - 3_600_000;
    await t.db.message.createMany({
      data: Array.from({ length: 7 }, (_, i) => {
        const who = i % 2 ? p.practitioner : p.employee;
        const ref = { id: randomUUID(), consultationId: p.consultationId, senderId: who.id };
        return { ...ref, senderRole: who.role, createdAt: new Date(base + i * 1000), ...sealMessageContent(crypto, wrapping, ref, `m${i}`) };
      }),
    });
    const page1 = await t.http.get(`/api/chat/${p.consultationId}/messages?limit=3`).set(as(p.practitioner));
    expect(page1.status).toBe(200);
    expect(page1.body.messages.map((m: any) => m.content)).toEqual(['m4', 'm5', 'm6']);
    const page2 = await t.http.get(`/api/chat/${p.consultationId}/messages?limit=3&cursor=${page1.body.nextCursor}`).set(as(p.practitioner));
    expect(page2.body.messages.map((m: any) => m.content)).toEqual(['m1', 'm2', 'm3']);
    const page3 = await t.http.get(`/api/chat/${p.consultationId}/messages?limit=3&cursor=${page2.body.nextCursor}`).set(as(p.practitioner));
    expect(page3.body).toMatchObject({ messages: [{ content: 'm0' }], nextCursor: null });
    expect(Object.keys(page3.body.messages[0]).sort()).toEqual(
      ['attachmentName', 'attachmentSize', 'attachmentType', 'attachmentUrl', 'consultationId', 'content', 'createdAt', 'deletedAt', 'editedAt', 'id', 'isDeleted', 'isEdited', 'isRead', 'messageType', 'readAt', 'sender', 'senderAvatarUrl', 'senderId', 'senderName', 'senderRole'].sort(),
    );
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'cursor=nope', 'cursor=00000000-0000-4000-8000-000000000000']) {
      const bad = await t.http.get(`/api/chat/${p.consultationId}/messages?${q}`).set(as(p.employee));
      expect(bad.status, q).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    }
    // another consultation's message id as cursor: refused, never a page of the other conversation
    const other = await createPair(t.db, { employee: p.employee });
    const foreign = (await send(other, p.employee, 'ailleurs')).body.message.id;
    expect((await t.http.get(`/api/chat/${p.consultationId}/messages?cursor=${foreign}`).set(as(p.employee))).status).toBe(400);
  });

  it('non-participants get 404 and every admin role 403 on every route, and never data', async () => {
    const p = await createPair(t.db);
    const mid = (await send(p, p.employee, 'confidentiel')).body.message.id;
    const outsiders = [await createUser(t.db, Role.EMPLOYEE), await createUser(t.db, Role.PRACTITIONER)];
    const routes = [
      () => t.http.get(`/api/chat/${p.consultationId}/messages`),
      () => t.http.post(`/api/chat/${p.consultationId}/messages`).send({ content: 'intrus' }),
      () => t.http.put(`/api/chat/messages/${mid}/read`),
      () => t.http.put(`/api/chat/messages/${mid}`).send({ content: 'intrus' }),
      () => t.http.delete(`/api/chat/messages/${mid}`),
      () => t.http.post(`/api/chat/${p.consultationId}/upload`).attach('file', makePdf(), 'a.pdf'),
    ];
    for (const route of routes) {
      for (const u of outsiders) {
        const res = await route().set(as(u));
        expect(res.status).toBe(404);
        expect(JSON.stringify(res.body)).not.toContain('confidentiel');
      }
      for (const a of admins) {
        const res = await route().set(as(a));
        expect(res.status, a.role).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
      }
      expect((await route()).status).toBe(401);
    }
    for (const a of admins) expect((await t.http.get('/api/chat/threads').set(as(a))).status).toBe(403);
    const row = await t.db.message.findUniqueOrThrow({ where: { id: mid } });
    expect(row).toMatchObject({ isRead: false, isEdited: false, isDeleted: false });
    expect(await t.db.message.count({ where: { consultationId: p.consultationId } })).toBe(1);
  });

  it('CH3: the recipient marks read (broadcast chat:message:read); the sender 403', async () => {
    const p = await createPair(t.db);
    const socket = await joined(p.employee, p.consultationId);
    const mid = (await send(p, p.employee, 'lu ?')).body.message.id;
    const sender = await t.http.put(`/api/chat/messages/${mid}/read`).set(as(p.employee));
    expect(sender.status).toBe(403);
    const receipt = nextEvent<any>(socket, 'chat:message:read');
    const res = await t.http.put(`/api/chat/messages/${mid}/read`).set(as(p.practitioner));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'marked as read' });
    expect(await receipt).toEqual({ messageId: mid, readBy: p.practitioner.id, readAt: expect.any(String) });
    expect((await t.http.put(`/api/chat/messages/${mid}/read`).set(as(p.practitioner))).status).toBe(200);
    expect((await t.http.put('/api/chat/messages/00000000-0000-4000-8000-000000000000/read').set(as(p.practitioner))).status).toBe(404);
    expect((await t.http.put('/api/chat/messages/nope/read').set(as(p.practitioner))).status).toBe(400);
  });

  it('I4 edits (sender, within the window, broadcast), I5 soft-deletes (shown deleted without content)', async () => {
    const p = await createPair(t.db);
    const socket = await joined(p.practitioner, p.consultationId);
    const mid = (await send(p, p.employee, 'premier jet')).body.message.id;
    expect((await t.http.put(`/api/chat/messages/${mid}`).set(as(p.practitioner)).send({ content: 'piraté' })).status).toBe(403);
    expect((await t.http.put(`/api/chat/messages/${mid}`).set(as(p.employee)).send({ content: '' })).status).toBe(400);
    const edited = nextEvent<any>(socket, 'chat:message:edited');
    const res = await t.http.put(`/api/chat/messages/${mid}`).set(as(p.employee)).send({ content: 'version corrigée' });
    expect(res.status).toBe(200);
    expect(res.body.message).toMatchObject({ id: mid, content: 'version corrigée', isEdited: true, editedAt: expect.any(String) });
    expect(await edited).toMatchObject({ id: mid, content: 'version corrigée', isEdited: true });

    // outside the edit window: a message written 20 minutes ago (system role)
    const old = await t.db.message.create({ data: { ...(await t.db.message.findUniqueOrThrow({ where: { id: mid } })), id: undefined, createdAt: new Date(Date.now() - 20 * 60_000), isEdited: false, editedAt: null } as any });
    const late = await t.http.put(`/api/chat/messages/${old.id}`).set(as(p.employee)).send({ content: 'trop tard' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('MESSAGE_EDIT_WINDOW_EXPIRED');

    expect((await t.http.delete(`/api/chat/messages/${mid}`).set(as(p.practitioner))).status).toBe(403);
    const deleted = nextEvent<any>(socket, 'chat:message:deleted');
    const del = await t.http.delete(`/api/chat/messages/${mid}`).set(as(p.employee));
    expect(del.status).toBe(200);
    expect(await deleted).toEqual({ messageId: mid, consultationId: p.consultationId, deletedAt: expect.any(String) });
    const again = await t.http.delete(`/api/chat/messages/${mid}`).set(as(p.employee));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('MESSAGE_DELETED');
    expect((await t.http.put(`/api/chat/messages/${mid}`).set(as(p.employee)).send({ content: 'revenir' })).body.error.code).toBe('MESSAGE_DELETED');
    const list = await t.http.get(`/api/chat/${p.consultationId}/messages`).set(as(p.practitioner));
    const shown = list.body.messages.find((m: any) => m.id === mid);
    expect(shown).toMatchObject({ isDeleted: true, content: null, deletedAt: expect.any(String) });
    expect(JSON.stringify(list.body)).not.toContain('version corrigée');
  });

  it('CH4 uploads an encrypted attachment readable by the two participants only; CH2 sends it; bad files refused', async () => {
    const p = await createPair(t.db);
    const up = await t.http.post(`/api/chat/${p.consultationId}/upload`).set(as(p.employee)).attach('file', makePdf(), 'bilan.pdf');
    expect(up.status).toBe(201);
    expect(up.body).toEqual({ fileId: expect.any(String), url: `/api/files/${up.body.fileId}`, attachmentName: 'bilan.pdf', attachmentType: 'application/pdf', attachmentSize: makePdf().length });
    const file = await t.db.file.findUniqueOrThrow({ where: { id: up.body.fileId } });
    expect(file).toMatchObject({ isEncrypted: true, fileType: 'ATTACHMENT', relatedResource: 'consultation', relatedId: p.consultationId, uploadedBy: p.employee.id });
    const download = (u: TestUser) => t.http.get(up.body.url).set(as(u)).buffer(true).parse(binaryParser);
    const got = await download(p.practitioner);
    expect(got.status).toBe(200);
    expect(Buffer.compare(got.body, makePdf())).toBe(0);
    expect((await download(await createUser(t.db, Role.PRACTITIONER))).status).toBe(404);
    expect((await download(await createUser(t.db, Role.EMPLOYEE, { company: { id: p.employee.companyId!, domain: p.employee.email.split('@')[1] } }))).status).toBe(404);

    // the practitioner cannot send the employee's file as its own attachment
    const theirs = await t.http.post(`/api/chat/${p.consultationId}/messages`).set(as(p.practitioner)).send({ content: 'voici', attachmentUrl: up.body.url });
    expect(theirs.status).toBe(400);
    expect(theirs.body.error.details[0].field).toBe('attachmentUrl');
    const sent = await t.http.post(`/api/chat/${p.consultationId}/messages`).set(as(p.employee)).send({ content: 'mon bilan', attachmentUrl: up.body.url });
    expect(sent.status).toBe(201);
    expect(sent.body.message).toMatchObject({ messageType: 'FILE', attachmentUrl: up.body.url, attachmentName: 'bilan.pdf', attachmentType: 'application/pdf', attachmentSize: makePdf().length });
    const png = await t.http.post(`/api/chat/${p.consultationId}/upload`).set(as(p.practitioner)).attach('file', makePng(), 'photo.png');
    expect(png.status).toBe(201);
    expect((await t.http.post(`/api/chat/${p.consultationId}/messages`).set(as(p.practitioner)).send({ content: 'image', attachmentUrl: png.body.url })).body.message.messageType).toBe('IMAGE');

    const text = await t.http.post(`/api/chat/${p.consultationId}/upload`).set(as(p.employee)).attach('file', makeText(), { filename: 'a.pdf', contentType: 'application/pdf' });
    expect(text.status).toBe(415);
    const big = await t.http.post(`/api/chat/${p.consultationId}/upload`).set(as(p.employee)).attach('file', makeOversized(), 'big.pdf');
    expect(big.status).toBe(413);
    const none = await t.http.post(`/api/chat/${p.consultationId}/upload`).set(as(p.employee));
    expect(none.status).toBe(400);
  });

  it('CH5 lists the caller’s threads with unreadCount and lastMessageAt, latest first', async () => {
    const employee = await createUser(t.db, Role.EMPLOYEE);
    const a = await createPair(t.db, { employee });
    const b = await createPair(t.db, { employee });
    await createPair(t.db, { employee }); // no message: no thread
    await send(a, a.practitioner, 'a1');
    await send(a, a.practitioner, 'a2');
    await send(b, b.practitioner, 'b1');
    const last = (await send(b, employee, 'b2')).body.message;
    const res = await t.http.get('/api/chat/threads').set(as(employee));
    expect(res.status).toBe(200);
    expect(res.body.threads).toEqual([
      { id: b.consultationId, consultationId: b.consultationId, participant: { id: b.practitioner.practitionerId, firstName: 'Paul', lastName: expect.any(String), avatarUrl: null }, lastMessageAt: last.createdAt, unreadCount: 1 },
      { id: a.consultationId, consultationId: a.consultationId, participant: { id: a.practitioner.practitionerId, firstName: 'Paul', lastName: expect.any(String), avatarUrl: null }, lastMessageAt: expect.any(String), unreadCount: 2 },
    ]);
    const forPractitioner = await t.http.get('/api/chat/threads').set(as(a.practitioner));
    expect(forPractitioner.body.threads).toEqual([expect.objectContaining({ consultationId: a.consultationId, unreadCount: 0, participant: expect.objectContaining({ id: employee.employeeId }) })]);
  });

  it('rows hold no plaintext; a ciphertext moved to another row does not decrypt', async () => {
    const p = await createPair(t.db);
    const secret = 'Idées noires depuis lundi';
    const m1 = (await send(p, p.employee, secret)).body.message.id;
    const m2 = (await send(p, p.employee, 'autre chose')).body.message.id;
    // every column of the rows, as PostgreSQL stores them (system role, no RLS)
    const pool = new pg.Pool({ connectionString: process.env.SYSTEM_DATABASE_URL, max: 1 });
    const { rows } = await pool.query('SELECT * FROM messages WHERE consultation_id = $1', [p.consultationId]).finally(() => pool.end());
    const dump = JSON.stringify(rows);
    expect(rows).toHaveLength(2);
    for (const needle of [secret, 'Idées', 'noires', Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64')]) expect(dump).not.toContain(needle);

    const { ring } = await subjectKeyOf(t.db, t.app.get(EnvelopeCrypto), p.employee.id);
    const r1 = await t.db.message.findUniqueOrThrow({ where: { id: m1 } });
    expect(r1.keyVersion).toBe(`sk:${p.employee.id}`); // wrapped by the employee's subject key (crypto-shredding)
    expect(openMessageContent(ring, r1)).toBe(secret);
    const { encryptedContent, iv, authTag, encryptedDek, dekIv, dekAuthTag, keyVersion } = r1;
    await t.db.message.update({ where: { id: m2 }, data: { encryptedContent, iv, authTag, encryptedDek, dekIv, dekAuthTag, keyVersion } });
    const moved = await t.db.message.findUniqueOrThrow({ where: { id: m2 } });
    expect(() => openMessageContent(ring, moved)).toThrow();
    const list = await t.http.get(`/api/chat/${p.consultationId}/messages`).set(as(p.practitioner));
    expect(list.status).toBe(200);
    expect(list.body.messages.find((m: any) => m.id === m2).content).toBeNull();
    expect(list.body.messages.find((m: any) => m.id === m1).content).toBe(secret);
  });
});
