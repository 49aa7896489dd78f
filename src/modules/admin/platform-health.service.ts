import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { statfs } from 'node:fs/promises';
import { connect } from 'node:net';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { AppConfig } from '../../config/app-config.service.js';
import { RedisService } from '../../infra/redis/redis.module.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { PlatformHealthDto, PlatformHealthStatus, ServiceState } from './dto/admin.dto.js';

/** Every probe gives up after this: the health page must answer even when a dependency hangs. */
const PROBE_TIMEOUT_MS = 2000;
const DISK_THRESHOLD_PERCENT = 90;

const ms = (started: number) => Math.round((performance.now() - started) * 10) / 10;

async function timed<T>(fn: () => Promise<T>): Promise<{ ok: true; latency: number; value: T } | { ok: false }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([fn(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS)))]);
    return { ok: true, latency: ms(started), value };
  } catch {
    return { ok: false };
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP connection to the SMTP server that reads its 220 greeting (no login: no secret is used). */
function smtpGreeting(host: string, port: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect({ host, port });
    const done = (e?: Error) => {
      socket.destroy();
      if (e) reject(e);
      else resolvePromise();
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(new Error('timeout')));
    socket.once('error', (e) => done(e));
    socket.once('data', (chunk) => (chunk.toString('latin1').startsWith('220') ? done() : done(new Error('unexpected greeting'))));
  });
}

/**
 * S1: the state of the platform for SUPER_ADMIN. Latencies only — never a host, URL, user or secret of a
 * dependency in the answer (the page may be screenshotted into a ticket).
 */
@Injectable()
export class PlatformHealthService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  async check(): Promise<PlatformHealthDto> {
    const [postgres, redis, smtp, jitsi, disk, lastBackup] = await Promise.all([
      timed(async () => {
        const [row] = await this.tenant.queryRaw<{ n: number }[]>(
          Prisma.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`,
        );
        return row.n;
      }),
      timed(async () => {
        await this.redis.client.ping();
        const info = await this.redis.client.info('memory');
        const used = /used_memory:(\d+)/.exec(info)?.[1];
        return used ? Number(used) : null;
      }),
      timed(() => smtpGreeting(this.config.get('SMTP_HOST'), this.config.get('SMTP_PORT'))),
      timed(async () => {
        const res = await fetch(this.config.get('JITSI_HEALTH_URL') ?? `https://${this.config.get('JITSI_DOMAIN')}/`, {
          method: 'HEAD',
          redirect: 'manual',
          signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        });
        await res.body?.cancel();
        if (res.status >= 500) throw new Error('jitsi answered an error');
        const server = res.headers.get('server');
        // a version number only (e.g. "nginx/1.25.3" → "1.25.3"), never anything else the header carries
        return /\/([0-9][0-9A-Za-z.+-]{0,30})/.exec(server ?? '')?.[1] ?? null;
      }),
      this.disk(),
      // bounded like the probes: with PostgreSQL down the page still answers (lastBackup unknown)
      timed(() => this.tenant.db.backupRecord.findFirst({ orderBy: { startedAt: 'desc' }, select: { startedAt: true, status: true } })),
    ]);
    const cores = cpus().length || 1;
    const services = {
      api: { status: ServiceState.up, latency: 0 },
      postgres: postgres.ok ? { status: ServiceState.up, latency: postgres.latency, connections: postgres.value } : { status: ServiceState.down, latency: null, connections: null },
      redis: redis.ok ? { status: ServiceState.up, latency: redis.latency, memoryUsed: redis.value } : { status: ServiceState.down, latency: null, memoryUsed: null },
      smtp: smtp.ok ? { status: ServiceState.up, latency: smtp.latency } : { status: ServiceState.down, latency: null },
      jitsi: jitsi.ok ? { status: ServiceState.up, ping: jitsi.latency, version: jitsi.value } : { status: ServiceState.down, ping: null, version: null },
    };
    const allUp = [services.postgres, services.redis, services.smtp, services.jitsi].every((s) => s.status === ServiceState.up);
    const diskOk = disk.usage !== null && disk.usage < DISK_THRESHOLD_PERCENT;
    return {
      status: allUp && diskOk ? PlatformHealthStatus.healthy : PlatformHealthStatus.degraded,
      timestamp: new Date().toISOString(),
      uptime: Math.round(process.uptime()),
      services,
      server: {
        cpuUsage: Math.round((loadavg()[0] / cores) * 1000) / 10,
        memoryUsage: Math.round((1 - freemem() / totalmem()) * 1000) / 10,
        diskUsage: disk.usage,
        diskFreeBytes: disk.free,
      },
      lastBackup: lastBackup.ok && lastBackup.value ? { date: lastBackup.value.startedAt.toISOString(), status: lastBackup.value.status } : null,
    };
  }

  /** Disk of the file storage path (local driver's UPLOAD_PATH; with S3 the api's own disk holds only temp files). */
  private async disk(): Promise<{ usage: number | null; free: number | null }> {
    try {
      const s = await statfs(resolve(this.config.get('UPLOAD_PATH')));
      const total = s.blocks * s.bsize;
      const free = s.bavail * s.bsize;
      return { usage: total ? Math.round((1 - free / total) * 1000) / 10 : null, free };
    } catch {
      return { usage: null, free: null };
    }
  }
}
