import { getQueueToken } from '@nestjs/bullmq';
import { Role } from '@prisma/client';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Response } from 'supertest';
import { RequestContext } from '../../src/common/context/request-context.service.js';
import type { Identity } from '../../src/common/context/request-context.js';
import { aadFor } from '../../src/infra/crypto/aad.js';
import { Envelope, EnvelopeCrypto, SubjectKeyUnavailableError } from '../../src/infra/crypto/envelope-crypto.service.js';
import { rotateDataKeys } from '../../src/infra/crypto/key-rotation.js';
import { sealMessage, SubjectKeys } from '../../src/infra/crypto/subject-keys.service.js';
import { QUEUE } from '../../src/infra/queue/queues.js';
import { ERASURE_JOB, ErasureProcessor } from '../../src/modules/privacy/erasure.processor.js';
import { createOpenPractitioner, insertConsultation } from '../consultations/helpers.js';
import { bearer, createCompany, createUser, login, PASSWORD, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { pdfText } from '../helpers/pdf.js';
import { connectSocket } from '../helpers/sockets.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

const DAY = 24 * 3600_000;
const binary = (res: Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};
const fields = (res: Response) => [...new Set((res.body.error?.details ?? []).map((d: { field?: string }) => d.field))];
const identity = (u: TestUser): Identity => ({ userId: u.id, email: u.email, role: u.role, companyId: u.companyId, employeeId: u.employeeId, practitionerId: u.practitionerId });

describe('RGPD: export, deletion requests, erasure with crypto-shredding, consents (SPEC §4.2, §6.8)', () => {
  let t: TestContext;
  let practitioner: TestUser;
  let hr: TestUser;
  let hour = -500;
  const as = (u: TestUser) => bearer(signAccessToken(u));
  const nextStart = () => new Date(Date.now() + (hour += 2) * 3600_000);

  beforeAll(async () => {
    t = await startTestApp();
    practitioner = await createOpenPractitioner(t.db);
    hr = await createUser(t.db, Role.ADMIN_RH);
  });
  afterAll(() => t?.close());

  /** A chat message written as the chat will: sealed by `sender` under the consultation's employee subject key. */
  async function sendMessage(sender: TestUser, employee: TestUser, consultationId: string, text: string): Promise<string> {
    const id = randomUUID();
    const crypto = t.app.get(EnvelopeCrypto);
    const env = await t.app.get(RequestContext).runAs(identity(sender), async () => {
      const { wrapping, ring } = await t.app.get(SubjectKeys).wrappingFor(employee.id);
      try {
        return sealMessage(crypto, wrapping, { id, consultationId, senderId: sender.id }, text);
      } finally {
        ring.close();
      }
    });
    await t.db.message.create({ data: { id, consultationId, senderId: sender.id, senderRole: sender.role, ...env } });
    return id;
  }

  /** An employee with a completed consultation, two messages, a journal entry, a clinical note, a notification. */
  async function populated() {
    const employee = await createUser(t.db, Role.EMPLOYEE);
    const tag = randomUUID().slice(0, 8);
    const secrets = { journal: `Journal intime ${tag} angoisse`, fromEmployee: `Message salarié ${tag}`, fromPractitioner: `Réponse praticien ${tag}`, note: `Note clinique ${tag}`, reason: `Motif ${tag}` };
    const start = nextStart();
    const c = await insertConsultation(t.db, employee, practitioner, { start, status: 'COMPLETED', startedAt: start, endedAt: new Date(start.getTime() + 50 * 60_000) });
    const journal = await t.http.post('/api/journal').set(as(employee)).send({ content: secrets.journal, tags: [`tag${tag}`] });
    expect(journal.status).toBe(201);
    await sendMessage(employee, employee, c.id, secrets.fromEmployee);
    await sendMessage(practitioner, employee, c.id, secrets.fromPractitioner);
    const note = await t.http.post('/api/clinical-notes').set(as(practitioner)).send({ consultationId: c.id, content: secrets.note });
    expect(note.status).toBe(201);
    await t.db.notification.create({ data: { userId: employee.id, type: 'SYSTEM', title: 'Bienvenue', message: 'Votre compte est prêt' } });
    return { employee, consultationId: c.id, journalId: journal.body.entry.id as string, noteId: note.body.note.id as string, secrets };
  }

  async function requestAndConfirm(u: TestUser, reason?: string) {
    const res = await t.http.post('/api/users/me/delete-request').set(as(u)).send({ password: PASSWORD, reason });
    expect(res.status).toBe(200);
    const mail = await t.sink.waitFor((m) => m.to.includes(u.email) && m.subject.includes('Confirmez la suppression'));
    const token = new URL(mail.links.find((l) => l.includes('/account/deletion/confirm'))!).searchParams.get('token')!;
    const confirmed = await t.http.post('/api/users/me/delete-request/confirm').set(as(u)).send({ token });
    expect(confirmed.status).toBe(200);
    return res.body as { cancellableUntil: string };
  }

  const runJob = (now: Date) => t.app.get(ErasureProcessor).process({ data: { now: now.toISOString() } });

  it('U1 exports everything about the caller as JSON: decrypted messages and journal, no clinical notes, audit EXPORT without content', async () => {
    const { employee, consultationId, secrets } = await populated();
    const consent = await t.http.post('/api/users/me/consents').set(as(employee)).send({ type: 'PRIVACY_POLICY', version: '1.0' });
    expect(consent.status).toBe(201);
    await t.db.file.create({ data: { uploadedBy: employee.id, userRole: 'EMPLOYEE', filename: 'a.png', originalName: 'avatar.png', mimeType: 'image/png', size: 10, path: `x/${randomUUID()}`, fileType: 'AVATAR' } });

    const res = await t.http.get('/api/users/me/export').set(as(employee));
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="huntzen-donnees-\d{4}-\d{2}-\d{2}\.json"$/);
    const body = res.body;
    expect(Object.keys(body).sort()).toEqual(['consents', 'consultations', 'deletionRequests', 'exportedAt', 'files', 'journal', 'notifications', 'profile']);
    expect(body.profile).toMatchObject({ id: employee.id, email: employee.email, role: 'EMPLOYEE', firstName: 'Emma' });
    expect(body.consultations).toHaveLength(1);
    expect(body.consultations[0]).toMatchObject({ id: consultationId, status: 'COMPLETED', practitioner: expect.stringContaining('Practitioner-') });
    expect(body.consultations[0].messages.map((m: { content: string; mine: boolean }) => [m.content, m.mine])).toEqual([
      [secrets.fromEmployee, true],
      [secrets.fromPractitioner, false],
    ]);
    expect(body.journal.map((j: { content: string }) => j.content)).toEqual([secrets.journal]);
    expect(body.notifications).toHaveLength(1);
    expect(body.consents).toMatchObject([{ type: 'PRIVACY_POLICY', version: '1.0', withdrawnAt: null }]);
    expect(body.files).toMatchObject([{ originalName: 'avatar.png', size: 10 }]);
    const text = JSON.stringify(body);
    expect(text).not.toContain(secrets.note);
    for (const secret of ['passwordHash', 'encryptedDek', 'twoFactorSecret', 'tokenHash', 'notes']) expect(text).not.toContain(`"${secret}"`);

    const audit = await t.db.auditLog.findMany({ where: { userId: employee.id, action: 'EXPORT', resource: 'user' } });
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ event: 'PERSONAL_DATA_EXPORTED', format: 'json', consultations: 1, journalEntries: 1 });
    expect(JSON.stringify(audit)).not.toContain(secrets.journal);

    // the practitioner's own export reads the same conversation (the employee's subject key, under its RLS)
    const pro = await t.http.get('/api/users/me/export').set(as(practitioner));
    expect(pro.status).toBe(200);
    const conv = pro.body.consultations.find((c: { id: string }) => c.id === consultationId);
    expect(conv.messages.map((m: { content: string }) => m.content)).toEqual([secrets.fromEmployee, secrets.fromPractitioner]);
    expect(pro.body.journal).toEqual([]);
    expect(JSON.stringify(pro.body)).not.toContain(secrets.note);
  });

  it('U1 PDF is a readable copy; any role may export its own data; bad format 400; no token 401', async () => {
    const { employee, secrets } = await populated();
    const res = await t.http.get('/api/users/me/export?format=pdf').set(as(employee)).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="huntzen-donnees-.*\.pdf"/);
    const text = pdfText(res.body as Buffer);
    expect(text).toContain(secrets.journal);
    expect(text).toContain(secrets.fromPractitioner);
    expect(text).not.toContain(secrets.note);

    for (const role of [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN] as const) {
      const u = await createUser(t.db, role);
      const r = await t.http.get('/api/users/me/export').set(as(u));
      expect([r.status, r.body.profile.id, r.body.consultations]).toEqual([200, u.id, []]);
    }
    expect((await t.http.get('/api/users/me/export').set(as(hr))).body.profile.id).toBe(hr.id);
    const bad = await t.http.get('/api/users/me/export?format=xml').set(as(employee));
    expect([bad.status, bad.body.error.code, fields(bad)]).toEqual([400, 'VALIDATION_ERROR', ['format']]);
    expect((await t.http.get('/api/users/me/export')).status).toBe(401);
  });

  it('consents: give (version and time), idempotent, outdated version 409, withdraw, 404 when none, bad type 400', async () => {
    const u = await createUser(t.db, Role.EMPLOYEE);
    expect((await t.http.get('/api/users/me/consents').set(as(u))).body).toEqual({ currentVersion: '1.0', consents: [] });
    const given = await t.http.post('/api/users/me/consents').set(as(u)).send({ type: 'HEALTH_DATA_PROCESSING', version: '1.0' });
    expect(given.status).toBe(201);
    expect(given.body.consent).toMatchObject({ type: 'HEALTH_DATA_PROCESSING', version: '1.0', withdrawnAt: null, givenAt: expect.any(String) });
    const again = await t.http.post('/api/users/me/consents').set(as(u)).send({ type: 'HEALTH_DATA_PROCESSING', version: '1.0' });
    expect(again.body.consent.id).toBe(given.body.consent.id);
    const old = await t.http.post('/api/users/me/consents').set(as(u)).send({ type: 'TERMS_OF_USE', version: '0.9' });
    expect([old.status, old.body.error.code, fields(old)]).toEqual([409, 'CONSENT_VERSION_OUTDATED', ['version']]);
    const badType = await t.http.post('/api/users/me/consents').set(as(u)).send({ type: 'MARKETING', version: '1.0' });
    expect([badType.status, fields(badType)]).toEqual([400, ['type']]);
    const badVersion = await t.http.post('/api/users/me/consents').set(as(u)).send({ type: 'TERMS_OF_USE', version: 'latest' });
    expect([badVersion.status, fields(badVersion)]).toEqual([400, ['version']]);

    const withdrawn = await t.http.post('/api/users/me/consents/HEALTH_DATA_PROCESSING/withdraw').set(as(u));
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.consent).toMatchObject({ id: given.body.consent.id, withdrawnAt: expect.any(String) });
    expect((await t.http.post('/api/users/me/consents/HEALTH_DATA_PROCESSING/withdraw').set(as(u))).status).toBe(404);
    expect((await t.http.post('/api/users/me/consents/NOPE/withdraw').set(as(u))).status).toBe(400);
    // another user's consents are neither listed nor withdrawn
    const other = await createUser(t.db, Role.EMPLOYEE);
    expect((await t.http.get('/api/users/me/consents').set(as(other))).body.consents).toEqual([]);
    expect((await t.http.post('/api/users/me/consents/HEALTH_DATA_PROCESSING/withdraw').set(as(other))).status).toBe(404);
    const list = await t.http.get('/api/users/me/consents').set(as(u));
    expect(list.body.consents).toHaveLength(1);
    const audit = await t.db.auditLog.findMany({ where: { userId: u.id, resource: 'consent' }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => (a.details as { event: string }).event)).toEqual(['CONSENT_GIVEN', 'CONSENT_WITHDRAWN']);
    expect((await t.http.get('/api/users/me/consents')).status).toBe(401);
  });

  it('U2 needs the current password (403, then 429 after 5 wrong ones) and a valid body', async () => {
    const u = await createUser(t.db, Role.EMPLOYEE);
    const missing = await t.http.post('/api/users/me/delete-request').set(as(u)).send({});
    expect([missing.status, fields(missing)]).toEqual([400, ['password']]);
    for (let i = 0; i < 5; i++) {
      const wrong = await t.http.post('/api/users/me/delete-request').set(as(u)).send({ password: 'nope-nope' });
      expect([wrong.status, wrong.body.error.code]).toEqual([403, 'PASSWORD_INVALID']);
    }
    const locked = await t.http.post('/api/users/me/delete-request').set(as(u)).send({ password: PASSWORD });
    expect([locked.status, locked.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(await t.db.deletionRequest.count({ where: { userId: u.id } })).toBe(0);
    expect((await t.http.post('/api/users/me/delete-request').send({ password: PASSWORD })).status).toBe(401);
  });

  it('U2/U3: request, e-mailed code (wrong, another user’s), confirm, 409 while pending, status, cancel, 404 when nothing pending', async () => {
    const u = await createUser(t.db, Role.EMPLOYEE);
    const other = await createUser(t.db, Role.PRACTITIONER);
    const before = Date.now();
    const res = await t.http.post('/api/users/me/delete-request').set(as(u)).send({ password: PASSWORD, reason: 'Je quitte l’entreprise' });
    expect(res.status).toBe(200);
    const until = new Date(res.body.cancellableUntil).getTime();
    expect(until).toBeGreaterThanOrEqual(before + 30 * DAY);
    expect(until).toBeLessThan(Date.now() + 30 * DAY + 1000);
    const mail = await t.sink.waitFor((m) => m.to.includes(u.email) && m.subject.includes('Confirmez la suppression'));
    expect(mail.text).not.toContain('quitte');
    const token = new URL(mail.links.find((l) => l.includes('/account/deletion/confirm'))!).searchParams.get('token')!;
    expect(mail.text).toContain(token);

    // the other user's account cannot use this code; a wrong code is 400
    const stranger = await t.http.post('/api/users/me/delete-request').set(as(other)).send({ password: PASSWORD });
    expect(stranger.status).toBe(200);
    const cross = await t.http.post('/api/users/me/delete-request/confirm').set(as(other)).send({ token });
    expect([cross.status, cross.body.error.code, fields(cross)]).toEqual([400, 'TOKEN_INVALID', ['token']]);
    const wrong = await t.http.post('/api/users/me/delete-request/confirm').set(as(u)).send({ token: 'abc' });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'TOKEN_INVALID']);
    const malformed = await t.http.post('/api/users/me/delete-request/confirm').set(as(u)).send({ token: 'a b' });
    expect([malformed.status, fields(malformed)]).toEqual([400, ['token']]);

    const ok = await t.http.post('/api/users/me/delete-request/confirm').set(as(u)).send({ token });
    expect(ok.status).toBe(200);
    expect(ok.body.cancellableUntil).toBe(res.body.cancellableUntil);
    const reused = await t.http.post('/api/users/me/delete-request/confirm').set(as(u)).send({ token });
    expect(reused.status).toBe(400);
    const dup = await t.http.post('/api/users/me/delete-request').set(as(u)).send({ password: PASSWORD });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'DELETION_ALREADY_REQUESTED']);
    const status = await t.http.get('/api/users/me/delete-request').set(as(u));
    expect(status.body.deletionRequest).toMatchObject({ status: 'PENDING', confirmedAt: expect.any(String), deletionDate: res.body.cancellableUntil });

    const cancelled = await t.http.post('/api/users/me/delete-request/cancel').set(as(u));
    expect(cancelled.status).toBe(200);
    await t.sink.waitFor((m) => m.to.includes(u.email) && m.subject === 'Suppression de compte annulée');
    expect((await t.http.get('/api/users/me/delete-request').set(as(u))).body.deletionRequest).toBeNull();
    const again = await t.http.post('/api/users/me/delete-request/cancel').set(as(u));
    expect([again.status, again.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const rows = await t.db.deletionRequest.findMany({ where: { userId: u.id } });
    expect(rows).toMatchObject([{ status: 'CANCELLED', cancelledAt: expect.any(Date), reason: 'Je quitte l’entreprise' }]);

    const audit = await t.db.auditLog.findMany({ where: { userId: u.id, resource: 'deletion_request' }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => (a.details as { event: string }).event)).toEqual(['DELETION_REQUESTED', 'DELETION_CONFIRMED', 'DELETION_CANCELLED']);
    expect(JSON.stringify(audit)).not.toContain('quitte');
    // an unconfirmed request is replaced by a new one; the daily job cancels one whose code expired
    const second = await t.http.post('/api/users/me/delete-request').set(as(other)).send({ password: PASSWORD });
    expect(second.status).toBe(200);
    expect(await t.db.deletionRequest.count({ where: { userId: other.id, status: 'PENDING' } })).toBe(1);
    await runJob(new Date(Date.now() + 3 * DAY));
    expect(await t.db.deletionRequest.count({ where: { userId: other.id, status: 'PENDING' } })).toBe(0);
  });

  it('the daily job erases a confirmed request only once its 30 days have passed, exactly as SPEC §6.8, and crypto-shreds', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QUEUE.rgpd), { strict: false });
    expect(await queue.getJobScheduler(ERASURE_JOB)).toMatchObject({ every: DAY });

    const { employee, consultationId, journalId, noteId, secrets } = await populated();
    const session = await login(t.http, employee);
    const socket = await connectSocket(t.wsUrl, '/notifications', session.accessToken);
    const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));
    // a "backup" taken before erasure: the envelopes as stored
    const backup = {
      journal: await t.db.journalEntry.findMany({ where: { employeeId: employee.employeeId! } }),
      messages: await t.db.message.findMany({ where: { consultationId } }),
    };
    expect(backup.journal.map((j) => j.keyVersion)).toEqual([`sk:${employee.id}`]);
    expect(backup.messages.map((m) => m.keyVersion)).toEqual([`sk:${employee.id}`, `sk:${employee.id}`]);

    const { cancellableUntil } = await requestAndConfirm(employee, secrets.reason);
    const deadline = new Date(cancellableUntil).getTime();

    // day 29: nothing happens, the account still works
    expect((await runJob(new Date(deadline - DAY))).erased).not.toContain(employee.id);
    expect((await t.http.get(`/api/journal/${journalId}`).set(bearer(session.accessToken))).status).toBe(200);
    // day 30: erased, once
    expect((await runJob(new Date(deadline + 60_000))).erased).toEqual([employee.id]);
    expect((await runJob(new Date(deadline + 2 * DAY))).erased).toEqual([]);

    const request = await t.db.deletionRequest.findFirstOrThrow({ where: { userId: employee.id } });
    expect(request).toMatchObject({ status: 'COMPLETED', processedAt: new Date(deadline + 60_000), reason: null });
    const user = await t.db.user.findUniqueOrThrow({ where: { id: employee.id }, include: { employee: true } });
    expect(user).toMatchObject({ isActive: false, deletedAt: expect.any(Date), passwordHash: '!', twoFactorSecret: null });
    expect(user.email).toMatch(/^deleted-[0-9a-f-]{36}@huntzen\.care$/);
    expect(user.employee).toMatchObject({ firstName: 'Utilisateur', lastName: 'supprimé', phoneNumber: null, bio: null, birthDate: null, avatarUrl: null });
    // consultations kept for counters, anonymised; clinical notes kept and still readable by their author
    expect(await t.db.consultation.findUniqueOrThrow({ where: { id: consultationId } })).toMatchObject({ status: 'COMPLETED', employeeId: employee.employeeId, cancelReason: null });
    const note = await t.http.get(`/api/clinical-notes/${noteId}`).set(as(practitioner));
    expect([note.status, note.body.note.content]).toEqual([200, secrets.note]);
    // journal deleted, messages emptied, subject key gone, tokens revoked, notifications gone
    expect(await t.db.journalEntry.count({ where: { employeeId: employee.employeeId! } })).toBe(0);
    expect(await t.db.message.findMany({ where: { consultationId }, select: { encryptedContent: true, encryptedDek: true, isDeleted: true } })).toEqual([
      { encryptedContent: '', encryptedDek: '', isDeleted: true },
      { encryptedContent: '', encryptedDek: '', isDeleted: true },
    ]);
    expect(await t.db.subjectKey.count({ where: { subjectId: employee.id } })).toBe(0);
    expect(await t.db.refreshToken.count({ where: { userId: employee.id } })).toBe(0);
    expect(await t.db.notification.count({ where: { userId: employee.id } })).toBe(0);
    await disconnected;
    expect((await t.http.get('/api/users/me/export').set(bearer(session.accessToken))).status).toBe(401);
    expect((await t.http.post('/api/auth/refresh').send({ refreshToken: session.refreshToken })).status).toBe(401);
    const relogin = await t.http.post('/api/auth/login').send({ email: employee.email, password: PASSWORD });
    expect(relogin.status).toBe(401);
    await t.sink.waitFor((m) => m.to.includes(employee.email) && m.subject === 'Votre compte a été supprimé');
    const audit = await t.db.auditLog.findMany({ where: { resource: 'user', resourceId: employee.id, action: 'DELETE' } });
    expect(audit).toMatchObject([{ userId: 'system', details: { event: 'USER_ERASED', journalEntries: 1, messages: 2, consultations: 1 } }]);
    // the user's own audit rows are kept (security trail) without the e-mail
    expect(await t.db.auditLog.count({ where: { userId: employee.id } })).toBeGreaterThan(0);
    expect(await t.db.auditLog.count({ where: { userEmail: employee.email } })).toBe(0);

    // the practitioner's chat history shows the messages as deleted (export: content null)
    const pro = await t.http.get('/api/users/me/export').set(as(practitioner));
    expect(pro.body.consultations.find((c: { id: string }) => c.id === consultationId).messages.map((m: { content: unknown }) => m.content)).toEqual([null, null]);

    // no plaintext anywhere in the database: every text-like column of every table
    const db = new pg.Client({ connectionString: process.env.SYSTEM_DATABASE_URL });
    await db.connect();
    try {
      const { rows: columns } = await db.query<{ table_name: string; column_name: string }>(
        `SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY')`,
      );
      expect(columns.length).toBeGreaterThan(50);
      const plaintexts = [secrets.journal, secrets.fromEmployee, secrets.fromPractitioner, secrets.reason, `tag${secrets.journal.split(' ')[2]}`];
      for (const { table_name, column_name } of columns) {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM "${table_name}" WHERE ${plaintexts.map((_, i) => `"${column_name}"::text LIKE $${i + 1}`).join(' OR ')}`, plaintexts.map((p) => `%${p}%`));
        expect(rows[0].n, `${table_name}.${column_name}`).toBe(0);
      }
    } finally {
      await db.end();
    }

    // and the backup copies no longer decrypt: no key left for them — neither a master key nor any stored subject key
    const crypto = t.app.get(EnvelopeCrypto);
    // every subject key of the database (other test files' rows included: a key that does not even open, such
    // as the SQL-level tests' fake ones, decrypts nothing either)
    const remaining = (await t.db.subjectKey.findMany()).flatMap((k) => {
      try {
        return [crypto.openSubjectKey(k.subjectId, k)];
      } catch {
        return [];
      }
    });
    const attempts: Array<[Envelope, string]> = [
      ...backup.journal.map((j) => [j, aadFor.journalEntry(j.id, j.employeeId)] as [Envelope, string]),
      ...backup.messages.map((m) => [m, aadFor.message(m.id, m.consultationId, m.senderId)] as [Envelope, string]),
    ];
    for (const [env, aad] of attempts) {
      expect(() => crypto.decrypt(env, aad)).toThrow(SubjectKeyUnavailableError);
      for (const key of remaining) expect(() => crypto.decrypt(env, aad, key)).toThrow();
    }
  });

  it('a cancelled request is never processed; an unconfirmed one neither', async () => {
    const cancelled = await createUser(t.db, Role.EMPLOYEE);
    const unconfirmed = await createUser(t.db, Role.EMPLOYEE);
    await requestAndConfirm(cancelled);
    expect((await t.http.post('/api/users/me/delete-request/cancel').set(as(cancelled))).status).toBe(200);
    expect((await t.http.post('/api/users/me/delete-request').set(as(unconfirmed)).send({ password: PASSWORD })).status).toBe(200);
    const run = await runJob(new Date(Date.now() + 31 * DAY));
    expect(run.erased).not.toContain(cancelled.id);
    expect(run.erased).not.toContain(unconfirmed.id);
    for (const u of [cancelled, unconfirmed]) {
      expect(await t.db.user.findUniqueOrThrow({ where: { id: u.id } })).toMatchObject({ email: u.email, isActive: true, deletedAt: null });
    }
    expect((await t.http.get('/api/users/me/export').set(as(cancelled))).status).toBe(200);
  });

  it('journal entries sealed before subject keys (master key) keep reading; key rotation re-wraps subject keys and leaves their records alone', async () => {
    const u = await createUser(t.db, Role.EMPLOYEE);
    const crypto = t.app.get(EnvelopeCrypto);
    const legacyId = randomUUID();
    const legacy = crypto.encrypt(JSON.stringify({ content: 'Ancienne entrée', tags: [] }), aadFor.journalEntry(legacyId, u.employeeId!));
    expect(legacy.keyVersion).toBe('v2');
    await t.db.journalEntry.create({ data: { id: legacyId, employeeId: u.employeeId!, ...legacy } });
    expect((await t.http.get(`/api/journal/${legacyId}`).set(as(u))).body.entry.content).toBe('Ancienne entrée');

    // a subject key wrapped by the old master key v1 (as before a rotation), and an entry under it
    const v1 = new EnvelopeCrypto({ get: (k: string) => ({ ENCRYPTION_KEYS: process.env.ENCRYPTION_KEYS, ENCRYPTION_KEY_CURRENT: 'v1' })[k] } as never);
    const { key, stored } = v1.newSubjectKey(u.id);
    await t.db.subjectKey.create({ data: { subjectId: u.id, ...stored } });
    const newId = randomUUID();
    const sealed = crypto.encrypt(JSON.stringify({ content: 'Sous clé de personne', tags: [] }), aadFor.journalEntry(newId, u.employeeId!), { label: `sk:${u.id}`, key });
    await t.db.journalEntry.create({ data: { id: newId, employeeId: u.employeeId!, ...sealed } });
    expect((await t.http.get(`/api/journal/${newId}`).set(as(u))).body.entry.content).toBe('Sous clé de personne');

    const pool = new pg.Pool({ connectionString: process.env.SYSTEM_DATABASE_URL, max: 1 });
    try {
      const failedIds: string[] = []; // the command logs the ids of rows it could not re-wrap, never content
      const result = await rotateDataKeys(pool, crypto, { batchSize: 50, log: (line) => failedIds.push(...(/row (\S+) not re-wrapped/.exec(line)?.slice(1) ?? [])) });
      const subjectStats = result.tables.find((s) => s.table === 'subject_keys')!;
      expect(subjectStats.rewrapped).toBeGreaterThanOrEqual(1);
      expect(subjectStats.remaining).toBe(0);
      // other files share the database (and some seal rows that must not decrypt): only this test's entries count
      expect(failedIds.filter((id) => id === legacyId || id === newId)).toEqual([]);
    } finally {
      await pool.end();
    }
    expect((await t.db.subjectKey.findUniqueOrThrow({ where: { subjectId: u.id } })).keyVersion).toBe('v2');
    expect((await t.db.journalEntry.findUniqueOrThrow({ where: { id: newId } })).encryptedDek).toBe(sealed.encryptedDek);
    expect((await t.http.get(`/api/journal/${newId}`).set(as(u))).body.entry.content).toBe('Sous clé de personne');
    // new entries go under the person's key
    const created = await t.http.post('/api/journal').set(as(u)).send({ content: 'Nouvelle' });
    expect((await t.db.journalEntry.findUniqueOrThrow({ where: { id: created.body.entry.id } })).keyVersion).toBe(`sk:${u.id}`);
  });

  it('HR of the same company gets only its own data, never the employee’s', async () => {
    const company = await createCompany(t.db);
    const rh = await createUser(t.db, Role.ADMIN_RH, { company });
    const res = await t.http.get('/api/users/me/export').set(as(rh));
    expect(res.status).toBe(200);
    expect([res.body.consultations, res.body.journal]).toEqual([[], []]);
  });
});

describe('backups never carry the subject keys (crypto-shredding holds for dumps)', () => {
  it('a database dump made with databaseDumpArgs() has the subject_keys table but none of its keys; the key-store dump has them', async () => {
    const { execFileSync } = await import('node:child_process');
    const { existsSync, readdirSync } = await import('node:fs');
    const { databaseDumpArgs, keyStoreDumpArgs } = await import('../../src/infra/crypto/backup-policy.js');
    const root = '/usr/lib/postgresql';
    const bin = existsSync(root) ? readdirSync(root).sort().reverse().map((v) => `${root}/${v}/bin/pg_dump`).find((p) => existsSync(p)) : undefined;
    expect(bin, 'pg_dump binary').toBeDefined();
    const pool = new pg.Pool({ connectionString: process.env.SYSTEM_DATABASE_URL, max: 1 });
    try {
      const subject = randomUUID();
      await pool.query(`INSERT INTO users (id, email, password_hash, updated_at) VALUES ($1, $2, 'x', now())`, [subject, `dump-${subject}@example.test`]);
      const marker = `feedc0de${randomUUID().replace(/-/g, '')}`;
      await pool.query(`INSERT INTO subject_keys (id, subject_id, encrypted_key, dek_iv, dek_auth_tag, key_version) VALUES ($1, $2, $3, 'i', 't', 'v2')`, [randomUUID(), subject, marker]);
      // the backup runs as the system role: FORCE RLS binds the owner too, and pg_dump refuses partial reads
      const url = process.env.SYSTEM_DATABASE_URL!;
      const dump = execFileSync(bin!, [...databaseDumpArgs(), '--exclude-table=public._prisma_migrations', '--no-owner', url], { maxBuffer: 512 * 1024 * 1024 }).toString('utf8');
      expect(dump).toContain('CREATE TABLE public.subject_keys');
      expect(dump).toContain('COPY public.journal_entries');
      expect(dump).not.toContain(marker);
      expect(dump).not.toMatch(/COPY public\.subject_keys/);
      const keys = execFileSync(bin!, [...keyStoreDumpArgs(), url]).toString('utf8');
      expect(keys).toContain(marker);
      expect(keys).not.toContain('COPY public.journal_entries');
    } finally {
      await pool.end();
    }
  });
});
