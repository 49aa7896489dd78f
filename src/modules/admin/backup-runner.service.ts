import { Injectable, Logger } from '@nestjs/common';
import { AuditAction, BackupStatus } from '@prisma/client';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config.service.js';
import { aadFor } from '../../infra/crypto/aad.js';
import { databaseDumpArgs, keyStoreDumpArgs } from '../../infra/crypto/backup-policy.js';
import { EnvelopeCrypto } from '../../infra/crypto/envelope-crypto.service.js';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { StorageService } from '../../infra/storage/storage.service.js';

/** The pg_dump next to the newest server binaries (Debian layout), else the one on PATH. */
export function defaultPgDump(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(root, v, 'bin', 'pg_dump'))) return join(root, v, 'bin', 'pg_dump');
  }
  return 'pg_dump';
}

/** A postgres:// URL as libpq's environment variables (pg_dump reads PGPASSWORD from there, not from argv). */
export function libpqEnv(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = { PGDATABASE: decodeURIComponent(u.pathname.replace(/^\//, '')) };
  const host = u.searchParams.get('host') ?? u.hostname;
  if (host) env.PGHOST = decodeURIComponent(host);
  if (u.port) env.PGPORT = u.port;
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

export const backupKey = (id: string) => `backup-${id}.dump.enc`;
/** The key-store dump of backup `id` (subject_keys, data only): a separate object with a short retention. */
export const keyStoreKey = (id: string) => `keystore-${id}.dump.enc`;
const DAY_MS = 24 * 3600_000;

/**
 * Runs one backup (the `backup` queue's job, no caller), as two objects in the storage driver, each a
 * `pg_dump --format=custom` on the system role streamed through AES-256-GCM under its own data key
 * (wrapped by the master key) — private objects, constant memory:
 *  1. the database without the data of the key store (`databaseDumpArgs()`: long retention);
 *  2. right after it, the key store alone (`keyStoreDumpArgs()`), recorded in key_store_dumps and deleted by
 *     the `key-store-dumps` retention purge after SUBJECT_KEY_BACKUP_RETENTION_DAYS, so that an erased
 *     subject key leaves every backup within that period (crypto-shredding). Taken after the database dump,
 *     it holds every key that dump can need; a backup is SUCCEEDED only with both.
 * The record gets the envelope and the outcome; the error kept is a short reason, never pg_dump's output
 * (it can name hosts and roles).
 */
@Injectable()
export class BackupRunner {
  private readonly logger = new Logger('Backup');

  constructor(
    private readonly system: SystemPrismaService,
    private readonly storage: StorageService,
    private readonly crypto: EnvelopeCrypto,
    private readonly config: AppConfig,
  ) {}

  async run(backupId: string): Promise<void> {
    const key = backupKey(backupId);
    const keysKey = keyStoreKey(backupId);
    try {
      const { size, envelope } = await this.dump(databaseDumpArgs(), aadFor.backup(backupId), key);
      const dumpId = randomUUID();
      const keys = await this.dump(keyStoreDumpArgs(), aadFor.keyStoreDump(dumpId), keysKey).catch((e: Error) => {
        throw new Error(`key store: ${e.message}`);
      });
      const now = new Date();
      const expiresAt = new Date(now.getTime() + this.config.get('SUBJECT_KEY_BACKUP_RETENTION_DAYS') * DAY_MS);
      await this.system.$transaction([
        this.system.backupRecord.update({
          where: { id: backupId },
          data: { status: BackupStatus.SUCCEEDED, finishedAt: now, sizeBytes: BigInt(size), location: key, ...envelope },
        }),
        this.system.keyStoreDump.create({
          data: { id: dumpId, backupId, createdAt: now, expiresAt, location: keysKey, sizeBytes: BigInt(keys.size), ...keys.envelope },
        }),
        this.system.auditLog.createMany({
          data: [{ userId: 'system', action: AuditAction.CREATE, resource: 'backup', resourceId: backupId, details: { event: 'BACKUP_SUCCEEDED', sizeBytes: size, keyStoreSizeBytes: keys.size, keyStoreExpiresAt: expiresAt.toISOString() } }],
        }),
      ]);
      this.logger.log({ message: 'backup stored', backupId, sizeBytes: size, keyStoreSizeBytes: keys.size });
    } catch (e) {
      const message = (e as Error).message;
      const reason = /^(key store: )?pg_dump/.test(message) ? message.slice(0, 200) : 'backup failed';
      await this.storage.delete(key).catch(() => undefined);
      await this.storage.delete(keysKey).catch(() => undefined);
      await this.system.$transaction([
        this.system.backupRecord.update({ where: { id: backupId }, data: { status: BackupStatus.FAILED, finishedAt: new Date(), error: reason } }),
        this.system.auditLog.createMany({ data: [{ userId: 'system', action: AuditAction.CREATE, resource: 'backup', resourceId: backupId, details: { event: 'BACKUP_FAILED' } }] }),
      ]);
      this.logger.error({ message: 'backup failed', backupId, error: (e as Error).name });
      throw e;
    }
  }

  private async dump(args: string[], aad: string, key: string) {
    const url = this.config.get('BACKUP_DATABASE_URL') ?? this.config.get('SYSTEM_DATABASE_URL');
    // the connection string goes through the environment, not argv (argv is visible in `ps`)
    const child = spawn(this.config.get('PG_DUMP_PATH') ?? defaultPgDump(), ['--format=custom', '--no-password', ...args], {
      env: { ...process.env, ...libpqEnv(url) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderrBytes = 0;
    child.stderr.on('data', (c: Buffer) => (stderrBytes += c.length)); // drained, never logged
    const exited = new Promise<void>((resolve, reject) => {
      child.once('error', () => reject(new Error('pg_dump could not be started')));
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`pg_dump exited with code ${code}`))));
    });
    exited.catch(() => undefined);
    const { cipher, envelope } = this.crypto.encryptStream(aad);
    const stored = this.storage.putStream(key, child.stdout.pipe(cipher), 'application/octet-stream');
    // both settled before deciding: a failed dump must not leave the stored file behind (deleted by run())
    const [size, exit] = await Promise.allSettled([stored, exited]);
    if (exit.status === 'rejected') throw exit.reason;
    if (size.status === 'rejected') throw size.reason;
    return { size: size.value, envelope: envelope() };
  }
}
