import { Injectable, Logger } from '@nestjs/common';
import { AuditAction, BackupStatus } from '@prisma/client';
import { spawn } from 'node:child_process';
import { databaseDumpArgs } from '../../infra/crypto/backup-policy.js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config.service.js';
import { aadFor } from '../../infra/crypto/aad.js';
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

/**
 * Runs one backup (the `backup` queue's job, no caller): `pg_dump --format=custom` of the whole database on
 * the system role, streamed through AES-256-GCM (a data key per backup, wrapped by the master key) into the
 * storage driver — private object, constant memory. The record gets the envelope and the outcome; the
 * error kept is a short reason, never pg_dump's output (it can name hosts and roles).
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
    try {
      const { size, envelope } = await this.dump(backupId, key);
      await this.system.$transaction([
        this.system.backupRecord.update({
          where: { id: backupId },
          data: { status: BackupStatus.SUCCEEDED, finishedAt: new Date(), sizeBytes: BigInt(size), location: key, ...envelope },
        }),
        this.system.auditLog.createMany({ data: [{ userId: 'system', action: AuditAction.CREATE, resource: 'backup', resourceId: backupId, details: { event: 'BACKUP_SUCCEEDED', sizeBytes: size } }] }),
      ]);
      this.logger.log({ message: 'backup stored', backupId, sizeBytes: size });
    } catch (e) {
      const reason = (e as Error).message.startsWith('pg_dump') ? (e as Error).message.slice(0, 200) : 'backup failed';
      await this.storage.delete(key).catch(() => undefined);
      await this.system.$transaction([
        this.system.backupRecord.update({ where: { id: backupId }, data: { status: BackupStatus.FAILED, finishedAt: new Date(), error: reason } }),
        this.system.auditLog.createMany({ data: [{ userId: 'system', action: AuditAction.CREATE, resource: 'backup', resourceId: backupId, details: { event: 'BACKUP_FAILED' } }] }),
      ]);
      this.logger.error({ message: 'backup failed', backupId, error: (e as Error).name });
      throw e;
    }
  }

  private async dump(backupId: string, key: string) {
    const url = this.config.get('BACKUP_DATABASE_URL') ?? this.config.get('SYSTEM_DATABASE_URL');
    // the connection string goes through the environment, not argv (argv is visible in `ps`)
    const child = spawn(this.config.get('PG_DUMP_PATH') ?? defaultPgDump(), ['--format=custom', '--no-password', ...databaseDumpArgs()], {
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
    const { cipher, envelope } = this.crypto.encryptStream(aadFor.backup(backupId));
    const stored = this.storage.putStream(key, child.stdout.pipe(cipher), 'application/octet-stream');
    // both settled before deciding: a failed dump must not leave the stored file behind (deleted by run())
    const [size, exit] = await Promise.allSettled([stored, exited]);
    if (exit.status === 'rejected') throw exit.reason;
    if (size.status === 'rejected') throw size.reason;
    return { size: size.value, envelope: envelope() };
  }
}
