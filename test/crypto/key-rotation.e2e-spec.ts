import { Role } from '@prisma/client';
import { generate } from 'otplib';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { AppConfig } from '../../src/config/app-config.service.js';
import { aadFor } from '../../src/infra/crypto/aad.js';
import { EnvelopeCrypto, type Envelope } from '../../src/infra/crypto/envelope-crypto.service.js';
import { rotateDataKeys, type Queryable, type RotationResult } from '../../src/infra/crypto/key-rotation.js';
import { insertConsultation, slotAt } from '../consultations/helpers.js';
import { bearer, createCompany, createUser, login, PASSWORD, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { binaryParser, makePdf } from '../helpers/files.js';
import { randomIp, startTestApp, TestContext, TEST_SECRETS } from '../helpers/test-app.js';

const totp = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });
const V2_KEY_ONLY = TEST_SECRETS.ENCRYPTION_KEYS.split(',').find((k) => k.startsWith('v2:'))!;

type Row = Envelope & { id: string };
const ENVELOPE_COLUMNS = `id::text, encrypted_content AS "encryptedContent", iv, auth_tag AS "authTag", encrypted_dek AS "encryptedDek", dek_iv AS "dekIv", dek_auth_tag AS "dekAuthTag", key_version AS "keyVersion"`;

/**
 * ARCHITECTURE §5 / SPEC §7.5 key rotation: rows of every kind are written under master key v1 while the
 * api runs with ENCRYPTION_KEY_CURRENT=v1; the rotation (what `npm run keys:rotate` runs) re-wraps them to
 * v2 in batches, is interrupted, resumes, meets a concurrent write, and is idempotent. A second api
 * instance that no longer has v1 at all reads everything back.
 */
describe('key rotation v1 → v2 with the api running (npm run keys:rotate)', () => {
  let t: TestContext;
  let uploadDir: string;
  let sys: pg.Client;
  let employee: TestUser;
  let practitioner: TestUser;
  /** What the running instance uses (current v1), and what the operator's command uses (current v2). */
  let v1: EnvelopeCrypto;
  let v2: EnvelopeCrypto;
  let v2Only: EnvelopeCrypto;

  const plain = new Map<string, string>(); // row id → plaintext, for messages, notes and journal rows
  const ids = { messages: [] as { id: string; consultationId: string; senderId: string }[], notes: [] as { id: string; consultationId: string }[], journal: [] as string[] };
  const files: { id: string; owner: TestUser; pdf: Buffer; stored?: Buffer }[] = [];
  const totpUsers: { user: TestUser; secret: string }[] = [];

  beforeAll(async () => {
    uploadDir = await mkdtemp(join(tmpdir(), 'hz-keys-'));
    process.env.UPLOAD_PATH = uploadDir;
    process.env.STORAGE_DRIVER = 'local';
    // keys v1 and v2 are configured, new records use v1: the state before an operator switches to v2
    t = await startTestApp({ env: { ENCRYPTION_KEY_CURRENT: 'v1' } });
    sys = new pg.Client({ connectionString: process.env.SYSTEM_DATABASE_URL });
    await sys.connect();
    const company = await createCompany(t.db);
    employee = await createUser(t.db, Role.EMPLOYEE, { company });
    practitioner = await createUser(t.db, Role.PRACTITIONER);
  });
  afterAll(async () => {
    await sys?.end();
    await t?.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  const rows = async (table: string, list: string[]): Promise<Row[]> =>
    (await sys.query<Row>(`SELECT ${ENVELOPE_COLUMNS} FROM ${table} WHERE id = ANY($1::uuid[]) ORDER BY id`, [list])).rows;
  const fileRows = async (): Promise<Row[]> =>
    (
      await sys.query<Row>(
        `SELECT id::text, '' AS "encryptedContent", iv, auth_tag AS "authTag", encryption_key AS "encryptedDek", dek_iv AS "dekIv", dek_auth_tag AS "dekAuthTag", key_version AS "keyVersion"
           FROM files WHERE id = ANY($1::uuid[]) ORDER BY id`,
        [files.map((f) => f.id)],
      )
    ).rows;
  const secrets = async (): Promise<Row[]> =>
    (await sys.query<{ id: string; s: string }>(`SELECT id::text, two_factor_secret AS s FROM users WHERE id = ANY($1::uuid[]) ORDER BY id`, [totpUsers.map((u) => u.user.id)])).rows.map(
      (r) => ({ id: r.id, ...EnvelopeCrypto.parse(r.s) }),
    );
  const snapshot = async () => ({
    messages: await rows('messages', ids.messages.map((m) => m.id)),
    notes: await rows('clinical_notes', ids.notes.map((n) => n.id)),
    journal: await rows('journal_entries', ids.journal),
    files: await fileRows(),
    totp: await secrets(),
  });
  const versions = (snap: Awaited<ReturnType<typeof snapshot>>) =>
    Object.fromEntries(Object.entries(snap).map(([k, list]) => [k, [...new Set(list.map((r) => r.keyVersion))].sort()]));
  const download = (app: TestContext, f: (typeof files)[number]) =>
    app.http.get(`/api/files/${f.id}`).set(bearer(signAccessToken(f.owner))).buffer(true).parse(binaryParser);
  const stored = async (id: string) => readFile(join(uploadDir, (await t.db.file.findUniqueOrThrow({ where: { id } })).path));
  const mine = () => new Set([...ids.messages.map((m) => m.id), ...ids.notes.map((n) => n.id), ...ids.journal, ...files.map((f) => f.id), ...totpUsers.map((u) => u.user.id)]);

  /** Runs the rotation as the command does (system role, short lock timeout), collecting the rows it could not re-wrap. */
  async function rotate(opts: { db?: Queryable; stopAfterFirstBatch?: boolean } = {}): Promise<RotationResult & { failedIds: string[] }> {
    await sys.query(`SET lock_timeout = '2s'`);
    const stop = new AbortController();
    const failedIds: string[] = [];
    const result = await rotateDataKeys(opts.db ?? sys, v2, {
      batchSize: 2,
      signal: stop.signal,
      log: (line) => failedIds.push(...(/row (\S+) not re-wrapped/.exec(line)?.slice(1) ?? [])),
      afterBatch: () => opts.stopAfterFirstBatch && stop.abort(),
    });
    return { ...result, failedIds };
  }

  let before: Awaited<ReturnType<typeof snapshot>>;
  let editedByApp = '';

  it('writes rows of every kind under v1: messages, clinical notes, journal entries (AAD of the app), files and TOTP secrets (real routes)', async () => {
    v1 = new EnvelopeCrypto(new AppConfig());
    const crypto = v1;
    expect(crypto.currentVersion).toBe('v1');
    const consultation = await insertConsultation(t.db, employee, practitioner, { start: slotAt(-1), status: 'COMPLETED', startedAt: slotAt(-1), endedAt: new Date(slotAt(-1).getTime() + 50 * 60_000) });
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      const sender = i % 2 ? practitioner : employee;
      const text = `Message ${i} : je me sens anxieux avant les réunions`;
      const env = crypto.encrypt(text, aadFor.message(id, consultation.id, sender.id));
      await t.db.message.create({ data: { id, consultationId: consultation.id, senderId: sender.id, senderRole: sender.role, ...env } });
      ids.messages.push({ id, consultationId: consultation.id, senderId: sender.id });
      plain.set(id, text);
    }
    for (let i = 0; i < 3; i++) {
      const id = randomUUID();
      const text = `Note ${i} : troubles du sommeil, suivi à prévoir`;
      const env = crypto.encrypt(text, aadFor.clinicalNote(id, practitioner.practitionerId!, consultation.id));
      await t.db.clinicalNote.create({ data: { id, consultationId: consultation.id, practitionerId: practitioner.practitionerId!, ...env } });
      ids.notes.push({ id, consultationId: consultation.id });
      plain.set(id, text);
    }
    for (let i = 0; i < 3; i++) {
      const id = randomUUID();
      const text = `Journal ${i} : journée difficile`;
      const env = crypto.encrypt(text, aadFor.journalEntry(id, employee.employeeId!));
      await t.db.journalEntry.create({ data: { id, employeeId: employee.employeeId!, ...env } });
      ids.journal.push(id);
      plain.set(id, text);
    }
    for (const [i, owner] of [employee, practitioner, employee].entries()) {
      const pdf = makePdf(`Attestation-${i}-${randomUUID()}`);
      const res = await t.http.post('/api/files/upload').set(bearer(signAccessToken(owner))).field('fileType', 'DOCUMENT').attach('file', pdf, { filename: 'doc.pdf', contentType: 'application/pdf' });
      expect(res.status).toBe(201);
      files.push({ id: res.body.id, owner, pdf });
    }
    for (const user of [employee, practitioner]) {
      const auth = bearer((await login(t.http, user)).accessToken);
      const setup = await t.http.post('/api/auth/2fa/setup').set(auth);
      expect(setup.status).toBe(200);
      const ok = await t.http.post('/api/auth/2fa/verify').set(auth).send({ code: await totp(setup.body.secret) });
      expect(ok.status).toBe(200);
      totpUsers.push({ user, secret: setup.body.secret });
    }

    for (const f of files) f.stored = await stored(f.id);
    before = await snapshot();
    expect(versions(before)).toEqual({ messages: ['v1'], notes: ['v1'], journal: ['v1'], files: ['v1'], totp: ['v1'] });
    expect(before.files).toHaveLength(3);

    // the operator sets ENCRYPTION_KEY_CURRENT=v2; the running instance still writes v1 until restarted
    process.env.ENCRYPTION_KEY_CURRENT = 'v2';
    v2 = new EnvelopeCrypto(new AppConfig());
    v2Only = new EnvelopeCrypto({ get: (k: string) => ({ ENCRYPTION_KEYS: V2_KEY_ONLY, ENCRYPTION_KEY_CURRENT: 'v2' })[k] } as unknown as AppConfig);
    expect(v2.currentVersion).toBe('v2');
  });

  it('stops after the first batch when interrupted; the api reads the mixed versions meanwhile', async () => {
    const run = await rotate({ stopAfterFirstBatch: true });
    expect(run.interrupted).toBe(true);
    expect(run.complete).toBe(false);
    expect(run.tables.map((s) => s.table)).toEqual(['messages', 'clinical_notes', 'journal_entries', 'subject_keys', 'files', 'users.two_factor_secret', 'backup_records', 'key_store_dumps']);
    expect(run.tables[0].examined).toBeLessThanOrEqual(2);
    expect(run.tables.slice(1).every((s) => s.examined === 0)).toBe(true);
    const now = await snapshot();
    expect(now.messages.filter((r) => r.keyVersion === 'v1').length).toBeGreaterThanOrEqual(3);
    expect(versions(now)).toMatchObject({ notes: ['v1'], journal: ['v1'], files: ['v1'], totp: ['v1'] });
    for (const f of files) expect(Buffer.compare((await download(t, f)).body, f.pdf)).toBe(0);
  });

  it('resumes and re-wraps the rest, leaving alone a row the app rewrote meanwhile (conditional update), then finishes it on the next run', async () => {
    // an instance still on v1 edits a journal entry (new data key, v1) between the rotation's read and write
    const edited = { id: '', text: 'Journal modifié pendant la rotation' };
    const racing = {
      query: async (sql: string, params?: unknown[]) => {
        const batchIds = (params?.[0] ?? []) as string[];
        const target = sql.startsWith('UPDATE journal_entries') && !edited.id ? ids.journal.find((id) => batchIds.includes(id)) : undefined;
        if (target) {
          edited.id = target;
          const env = v1.encrypt(edited.text, aadFor.journalEntry(target, employee.employeeId!));
          await t.db.journalEntry.update({ where: { id: target }, data: env });
        }
        return sys.query(sql, params as unknown[]);
      },
    } as Queryable;
    const run = await rotate({ db: racing });
    expect(edited.id).not.toBe('');
    expect(run.interrupted).toBe(false);
    expect(run.failedIds.filter((id) => mine().has(id))).toEqual([]);
    const journal = run.tables.find((s) => s.table === 'journal_entries')!;
    expect(journal.skipped).toBeGreaterThanOrEqual(1);
    expect(journal.remaining).toBeGreaterThanOrEqual(1);

    let now = await snapshot();
    expect(versions(now)).toMatchObject({ messages: ['v2'], notes: ['v2'], files: ['v2'], totp: ['v2'] });
    const raced = now.journal.find((r) => r.id === edited.id)!;
    expect(raced.keyVersion).toBe('v1'); // the app's write won: its new data key was not replaced by the stale one
    expect(v2.decryptText(raced, aadFor.journalEntry(raced.id, employee.employeeId!))).toBe(edited.text);
    plain.set(edited.id, edited.text);
    editedByApp = edited.id;

    const again = await rotate();
    expect(again.failedIds.filter((id) => mine().has(id))).toEqual([]);
    expect(again.tables.find((s) => s.table === 'journal_entries')!.rewrapped).toBeGreaterThanOrEqual(1);
    now = await snapshot();
    expect(versions(now)).toEqual({ messages: ['v2'], notes: ['v2'], journal: ['v2'], files: ['v2'], totp: ['v2'] });
  });

  it('changed only the wrapped data keys: content ciphertexts (and stored files) are byte-identical, and v2 alone decrypts everything', async () => {
    const now = await snapshot();
    for (const kind of ['messages', 'notes', 'journal', 'files', 'totp'] as const) {
      for (const row of now[kind]) {
        const old = before[kind].find((r) => r.id === row.id)!;
        if (row.id === editedByApp) continue; // re-encrypted by the app meanwhile
        expect([row.encryptedContent, row.iv, row.authTag]).toEqual([old.encryptedContent, old.iv, old.authTag]);
        expect(row.encryptedDek).not.toBe(old.encryptedDek);
      }
    }
    for (const f of files) expect((await stored(f.id)).equals(f.stored!)).toBe(true);
    for (const m of ids.messages) {
      const row = now.messages.find((r) => r.id === m.id)!;
      expect(v2Only.decryptText(row, aadFor.message(m.id, m.consultationId, m.senderId))).toBe(plain.get(m.id));
    }
    for (const n of ids.notes) {
      const row = now.notes.find((r) => r.id === n.id)!;
      expect(v2Only.decryptText(row, aadFor.clinicalNote(n.id, practitioner.practitionerId!, n.consultationId))).toBe(plain.get(n.id));
    }
    for (const id of ids.journal) {
      const row = now.journal.find((r) => r.id === id)!;
      expect(v2Only.decryptText(row, aadFor.journalEntry(id, employee.employeeId!))).toBe(plain.get(id));
    }
    for (const { user, secret } of totpUsers) {
      const row = now.totp.find((r) => r.id === user.id)!;
      expect(v2Only.decryptText(row, aadFor.totpSecret(user.id))).toBe(secret);
    }
  });

  it('reads everything back through the running api (current v1) and through a new instance that no longer has v1', async () => {
    for (const f of files) expect(Buffer.compare((await download(t, f)).body, f.pdf)).toBe(0);
    const loginWith2fa = (app: TestContext, user: TestUser, code: string) =>
      app.http.post('/api/auth/login').set('X-Forwarded-For', randomIp()).send({ email: user.email, password: PASSWORD, mfaCode: code });
    // +1: never the code burnt by the verification (±1 step is accepted, each code once)
    for (const { user, secret } of totpUsers) expect((await loginWith2fa(t, user, await totp(secret, 1))).status).toBe(200);

    const next = await startTestApp({ sink: t.sink, env: { ENCRYPTION_KEYS: V2_KEY_ONLY, ENCRYPTION_KEY_CURRENT: 'v2' } });
    try {
      for (const f of files) {
        const got = await download(next, f);
        expect(got.status).toBe(200);
        expect(Buffer.compare(got.body, f.pdf)).toBe(0);
      }
      for (const { user, secret } of totpUsers) {
        const wrong = await loginWith2fa(next, user, (await totp(secret, 0)) === '000000' ? '111111' : '000000');
        expect(wrong.body.error.code).toBe('MFA_INVALID');
        expect((await loginWith2fa(next, user, await totp(secret))).status).toBe(200);
      }
    } finally {
      await next.close();
    }
  });

  it('does nothing when run again (idempotent): no row re-wrapped, every row byte-identical', async () => {
    const done = await snapshot();
    const run = await rotate();
    expect(run.tables.map((s) => s.rewrapped)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(run.failedIds.filter((id) => mine().has(id))).toEqual([]);
    expect(await snapshot()).toEqual(done);
  });
});
