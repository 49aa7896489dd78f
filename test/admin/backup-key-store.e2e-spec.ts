import { Role } from '@prisma/client';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { aadFor } from '../../src/infra/crypto/aad.js';
import { EnvelopeCrypto } from '../../src/infra/crypto/envelope-crypto.service.js';
import { StorageService } from '../../src/infra/storage/storage.service.js';
import { backupKey, defaultPgDump, keyStoreKey } from '../../src/modules/admin/backup-runner.service.js';
import { RetentionService } from '../../src/modules/retention/retention.service.js';
import { bearer, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { openRlsDb, RlsDb } from '../helpers/rls.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

const DAY = 24 * 3600_000;
const MIN = 60_000;
const RETENTION_DAYS = 3;

/**
 * S5 backups and crypto-shredding: the job writes the database dump WITHOUT the subject keys and, beside it,
 * a key-store dump of its own (own object, own data key, own retention), purged after
 * SUBJECT_KEY_BACKUP_RETENTION_DAYS so that an erased key leaves every backup.
 */
describe('S5 backup: the key store is dumped beside the database, separately, with its own retention', () => {
  let t: TestContext;
  let admin: TestUser;
  let rls: RlsDb;
  const uploadDir = mkdtempSync(join(tmpdir(), 'hz-keystore-'));
  const pgRestore = defaultPgDump().replace(/pg_dump$/, 'pg_restore');
  const as = (u: TestUser) => bearer(signAccessToken(u));

  beforeAll(async () => {
    t = await startTestApp({ env: { UPLOAD_PATH: uploadDir, SUBJECT_KEY_BACKUP_RETENTION_DAYS: String(RETENTION_DAYS) } });
    admin = await createUser(t.db, Role.SUPER_ADMIN);
    rls = openRlsDb();
  });
  afterAll(async () => {
    // other files share the database (the privacy tests open every stored key): leave none of ours
    if (subjects.length) await rls?.sys.query('DELETE FROM subject_keys WHERE subject_id = ANY($1::uuid[])', [subjects]);
    await rls?.close();
    await t?.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  const subjects: string[] = [];
  /** A real subject key (wrapped by the test master key, as the app makes them); its wrapped bytes are the marker we look for in the dumps. */
  async function subjectKeyWithMarker(): Promise<{ subject: string; marker: string }> {
    const subject = randomUUID();
    subjects.push(subject);
    await rls.sys.query(`INSERT INTO users (id, email, password_hash, updated_at) VALUES ($1, $2, 'x', now())`, [subject, `ks-${subject}@example.test`]);
    const { key, stored } = t.app.get(EnvelopeCrypto).newSubjectKey(subject);
    key.fill(0);
    await rls.sys.query(`INSERT INTO subject_keys (id, subject_id, encrypted_key, dek_iv, dek_auth_tag, key_version) VALUES ($1, $2, $3, $4, $5, $6)`, [
      randomUUID(),
      subject,
      stored.encryptedKey,
      stored.dekIv,
      stored.dekAuthTag,
      stored.keyVersion,
    ]);
    return { subject, marker: stored.encryptedKey };
  }

  async function backup(app = t): Promise<{ id: string; status: string }> {
    const res = await app.http.post('/api/super-admin/backup').set(as(admin));
    expect(res.status).toBe(202);
    const id = res.body.jobId as string;
    let status = 'RUNNING';
    await expect
      .poll(async () => (status = (await app.http.get(`/api/super-admin/backup/${id}`).set(as(admin))).body.backup?.status), { timeout: 60_000, interval: 200 })
      .not.toBe('RUNNING');
    return { id, status };
  }

  /** Decrypts a stored object with an envelope and AAD, and renders the custom-format dump as SQL (pg_restore). */
  async function restoreAsSql(location: string, envelope: object, aad: string): Promise<{ sql: string; list: string }> {
    const chunks: Buffer[] = [];
    const storage = t.app.get(StorageService);
    await pipeline(await storage.get(location), t.app.get(EnvelopeCrypto).decryptStream(envelope as never, aad), new Writable({ write: (c, _e, done) => (chunks.push(c), done()) }));
    const dump = Buffer.concat(chunks);
    expect(dump.subarray(0, 5).toString('latin1')).toBe('PGDMP');
    const file = join(uploadDir, `${randomUUID()}.dump`);
    writeFileSync(file, dump);
    const list = spawnSync(pgRestore, ['--list', file], { encoding: 'utf8' });
    const sql = spawnSync(pgRestore, ['--file=-', file], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    expect(list.status, list.stderr).toBe(0);
    expect(sql.status, sql.stderr).toBe(0);
    return { sql: sql.stdout, list: list.stdout };
  }

  it('one job, two encrypted objects: the database without any subject key, and the key store alone, recorded with its expiry', async () => {
    const { marker } = await subjectKeyWithMarker();
    const before = Date.now();
    const { id, status } = await backup();
    expect(status).toBe('SUCCEEDED');

    const record = await t.db.backupRecord.findUniqueOrThrow({ where: { id }, include: { keyStoreDump: true } });
    const keys = record.keyStoreDump!;
    expect(record.location).toBe(backupKey(id));
    expect(keys).toMatchObject({ backupId: id, location: keyStoreKey(id), purgedAt: null, keyVersion: record.keyVersion });
    expect(keys.expiresAt.getTime() - keys.createdAt.getTime()).toBe(RETENTION_DAYS * DAY);
    expect(keys.createdAt.getTime()).toBeGreaterThanOrEqual(before - MIN);
    expect(keys.encryptedDek).not.toBe(record.encryptedDek); // its own data key

    const storage = t.app.get(StorageService);
    const storedKeys = await storage.getBuffer(keys.location);
    expect(Number(keys.sizeBytes)).toBe(storedKeys.length);
    expect(storedKeys.includes(Buffer.from(marker))).toBe(false); // encrypted at rest

    // the database dump: the table's definition, none of its rows
    const db = await restoreAsSql(record.location!, record, aadFor.backup(id));
    expect(db.list).toMatch(/TABLE public subject_keys/);
    expect(db.list).not.toMatch(/TABLE DATA public subject_keys/);
    expect(db.list).toMatch(/TABLE DATA public journal_entries/);
    expect(db.sql).not.toContain(marker);

    // the key store: the rows of subject_keys and nothing else
    const ks = await restoreAsSql(keys.location, keys, aadFor.keyStoreDump(keys.id));
    expect(ks.list.split('\n').filter((l) => /TABLE DATA/.test(l)).map((l) => l.replace(/^.*TABLE DATA /, '').trim())).toEqual(['public subject_keys huntzen_owner']);
    expect(ks.sql).toContain(marker);

    // the two envelopes are bound to their own object: the backup's AAD does not open the key store
    await expect(restoreAsSql(keys.location, keys, aadFor.backup(id))).rejects.toThrow();

    const audit = await t.db.auditLog.findFirstOrThrow({ where: { resource: 'backup', resourceId: id, details: { path: ['event'], equals: 'BACKUP_SUCCEEDED' } } });
    expect(audit.details).toMatchObject({ keyStoreSizeBytes: storedKeys.length, keyStoreExpiresAt: keys.expiresAt.toISOString() });
  });

  it('an erased key is gone from the next key-store dump at once, and from every older one when the retention purge deletes them', async () => {
    const { subject, marker } = await subjectKeyWithMarker();
    const first = await backup();
    // the erasure job deletes the subject's key (system role)
    await rls.sys.query('DELETE FROM subject_keys WHERE subject_id = $1', [subject]);
    const second = await backup();
    const [a, b] = await Promise.all([first, second].map((x) => t.db.keyStoreDump.findUniqueOrThrow({ where: { backupId: x.id } })));
    expect((await restoreAsSql(a.location, a, aadFor.keyStoreDump(a.id))).sql).toContain(marker);
    expect((await restoreAsSql(b.location, b, aadFor.keyStoreDump(b.id))).sql).not.toContain(marker);

    // the daily purge with a clock the test controls: one minute before the expiry nothing goes
    const retention = t.app.get(RetentionService);
    const storage = t.app.get(StorageService);
    await retention.run('key-store-dumps', new Date(a.expiresAt.getTime() - MIN));
    expect((await t.db.keyStoreDump.findUniqueOrThrow({ where: { id: a.id } })).purgedAt).toBeNull();
    await expect(storage.getBuffer(a.location)).resolves.toBeInstanceOf(Buffer);

    // past both expiries: both key-store objects are deleted and marked; the database dumps stay
    const later = new Date(b.expiresAt.getTime() + MIN);
    expect(await retention.run('key-store-dumps', later)).toBeGreaterThanOrEqual(2);
    for (const dump of [a, b]) {
      expect((await t.db.keyStoreDump.findUniqueOrThrow({ where: { id: dump.id } })).purgedAt).toEqual(later);
      await expect(storage.get(dump.location)).rejects.toThrow(/not found/);
    }
    for (const x of [first, second]) await expect(storage.getBuffer(backupKey(x.id))).resolves.toBeInstanceOf(Buffer);
    // nothing decrypts the erased subject's data from these backups any more: its key is in none of what is left
    expect(await t.db.keyStoreDump.count({ where: { id: { in: [a.id, b.id] }, purgedAt: null } })).toBe(0);
  });

  it('a lowered retention applies to the dumps already taken', async () => {
    const { id } = await backup();
    const dump = await t.db.keyStoreDump.findUniqueOrThrow({ where: { backupId: id } });
    const shorter = await startTestApp({ env: { UPLOAD_PATH: uploadDir, SUBJECT_KEY_BACKUP_RETENTION_DAYS: '1' } });
    try {
      await shorter.app.get(RetentionService).run('key-store-dumps', new Date(dump.createdAt.getTime() + DAY + MIN));
      expect((await t.db.keyStoreDump.findUniqueOrThrow({ where: { id: dump.id } })).purgedAt).not.toBeNull();
      await expect(t.app.get(StorageService).get(dump.location)).rejects.toThrow(/not found/);
    } finally {
      await shorter.close();
    }
  });

  it('when the key-store dump fails the backup is FAILED and neither object is left behind', async () => {
    // a pg_dump that dumps the database but fails on the key store
    const wrapper = join(uploadDir, 'pg_dump_no_keys.sh');
    writeFileSync(wrapper, `#!/bin/sh\ncase "$*" in *--table=public.subject_keys*) exit 3;; esac\nexec "${defaultPgDump()}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const broken = await startTestApp({ env: { UPLOAD_PATH: uploadDir, PG_DUMP_PATH: wrapper } });
    try {
      const { id, status } = await backup(broken);
      expect(status).toBe('FAILED');
      const row = await t.db.backupRecord.findUniqueOrThrow({ where: { id }, include: { keyStoreDump: true } });
      expect(row).toMatchObject({ error: 'key store: pg_dump exited with code 3', location: null, keyStoreDump: null });
      const storage = t.app.get(StorageService);
      await expect(storage.get(backupKey(id))).rejects.toThrow(/not found/);
      await expect(storage.get(keyStoreKey(id))).rejects.toThrow(/not found/);
    } finally {
      await broken.close();
    }
  });

  it('SQL level: the app role cannot read or write key_store_dumps whatever its role; the system role cannot rewrite or delete a record', async () => {
    const { id } = await backup();
    const dump = await t.db.keyStoreDump.findUniqueOrThrow({ where: { backupId: id } });
    const superCtx = { userId: admin.id, role: 'SUPER_ADMIN' as const };
    for (const ctx of [superCtx, null]) {
      await expect(rls.affected(ctx, 'SELECT 1 FROM key_store_dumps')).rejects.toThrow(/permission denied/);
      await expect(rls.affected(ctx, `UPDATE key_store_dumps SET purged_at = now()`)).rejects.toThrow(/permission denied/);
      await expect(rls.affected(ctx, `DELETE FROM key_store_dumps`)).rejects.toThrow(/permission denied/);
      await expect(
        rls.affected(ctx, `INSERT INTO key_store_dumps (id, backup_id, expires_at, location, size_bytes, iv, auth_tag, encrypted_dek, dek_iv, dek_auth_tag, key_version)
                           VALUES ($1, $2, now() + interval '1 year', 'keystore-x.dump.enc', 1, 'i', 't', 'd', 'i', 't', 'v1')`, [randomUUID(), id]),
      ).rejects.toThrow(/permission denied/);
    }
    // the system role: no DELETE (a record is kept, marked purged), no change of location, expiry or content
    await expect(rls.sys.query('DELETE FROM key_store_dumps WHERE id = $1', [dump.id])).rejects.toThrow(/permission denied/);
    await expect(rls.sys.query(`UPDATE key_store_dumps SET expires_at = expires_at + interval '1 year' WHERE id = $1`, [dump.id])).rejects.toThrow(/only purged_at/);
    await expect(rls.sys.query(`UPDATE key_store_dumps SET location = 'elsewhere' WHERE id = $1`, [dump.id])).rejects.toThrow(/only purged_at/);
    // purged once, final
    await rls.sys.query('UPDATE key_store_dumps SET purged_at = now() WHERE id = $1', [dump.id]);
    await expect(rls.sys.query('UPDATE key_store_dumps SET purged_at = NULL WHERE id = $1', [dump.id])).rejects.toThrow(/final/);
    expect((await rls.sys.query('SELECT purged_at FROM key_store_dumps WHERE id = $1', [dump.id])).rows[0].purged_at).not.toBeNull();
  });
});
