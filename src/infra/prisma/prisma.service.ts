import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';
import { AppConfig } from '../../config/app-config.service.js';
import { InFlightRequests } from '../lifecycle/in-flight.service.js';
import { closeStep } from '../lifecycle/shutdown.js';

/** How long shutdown lets running requests finish before the pools close (within SHUTDOWN_GRACE_MS). */
const IN_FLIGHT_WAIT_MS = 5_000;

/** How long a query may wait for a free pooled connection before it fails (503, not a hang). */
export const POOL_WAIT_MS = 4_000;

/**
 * Pool and transaction timeouts that fit together: the pg pool gives up on a waiting request BEFORE
 * Prisma stops waiting for the transaction to start. The other way round, Prisma abandons the request,
 * the pool later hands the connection to nobody, and it never comes back (measured: a leaked pool that
 * froze shutdown after a burst of concurrent requests).
 */
function clientOptions(connectionString: string, max: number) {
  return {
    adapter: new PrismaPg({ connectionString, max, connectionTimeoutMillis: POOL_WAIT_MS }),
    transactionOptions: { maxWait: POOL_WAIT_MS + 2_000, timeout: 15_000 },
  };
}

/** Client on role `huntzen_app`: every row it sees passes RLS. Use it through TenantPrisma. */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(
    config: AppConfig,
    private readonly inFlight: InFlightRequests,
  ) {
    super(clientOptions(config.get('APP_DATABASE_URL'), config.get('DATABASE_POOL_SIZE')));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.inFlight.idle(IN_FLIGHT_WAIT_MS); // requests still running finish their transactions first
    await closeStep('postgres (app pool)', this.$disconnect());
  }
}

/**
 * Every file that may inject SystemPrismaService, and why: the one reviewed list (a unit test fails on
 * any other file). A request path that needs more than its caller may see calls a SECURITY DEFINER
 * function instead (busy ranges, HR counters, outbox claim: migration 20261129000200).
 */
export const SYSTEM_CLIENT_USERS: Readonly<Record<string, string>> = {
  'src/modules/auth/auth.service.ts': 'login lookup by e-mail; public token flows (register, verify, reset, invitation); backup codes',
  'src/modules/auth/session.service.ts': 'refresh-token rotation (no caller yet); revoking the sessions of deactivated users',
  'src/common/auth/identity-resolver.service.ts': 'resolves the caller of a verified token, before any context exists',
  'src/modules/audit/audit.service.ts': 'security events, anonymous ones included (failed logins)',
  'src/modules/consultations/reminders.processor.ts': 'queue processor: reminders across tenants',
  'src/modules/notifications/notifications.processor.ts': 'queue processor: notification fan-out',
  'src/infra/outbox/outbox.processor.ts': "queue processor: the sweep retries every caller's undelivered outbox messages",
  'src/modules/articles/scheduled-articles.service.ts': 'job: publishes the scheduled articles whose time has come (no caller)',
  'src/modules/privacy/erasure.service.ts': 'job: RGPD erasure of due deletion requests spans both participants of consultations (messages, subject keys)',
  'src/modules/clinical-notes/clinical-notes-retention.service.ts': 'job: hard-deletes notes past their legal retention (the api role has no DELETE)',
  'src/modules/reports/stats-refresh.processor.ts': 'queue processor: refreshes the counter views (all tenants by design; calls the two refresh functions only)',
  'src/modules/retention/retention.service.ts': 'job: daily purges of outbox, notifications, sent mail, security events and (through purge_audit_logs) audit rows',
  'src/modules/admin/backup-runner.service.ts': 'job: records the outcome of a pg_dump backup (no caller; the api role may only create the RUNNING record)',
};

/**
 * Client on role `huntzen_system` (BYPASSRLS). Like sudo: only for work that has no tenant yet or spans
 * tenants by design (ARCHITECTURE §4), in the files of SYSTEM_CLIENT_USERS above. Every use is reviewed.
 */
@Injectable()
export class SystemPrismaService extends PrismaClient implements OnApplicationShutdown {
  constructor(
    config: AppConfig,
    private readonly inFlight: InFlightRequests,
  ) {
    super(clientOptions(config.get('SYSTEM_DATABASE_URL'), config.get('SYSTEM_DATABASE_POOL_SIZE')));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.inFlight.idle(IN_FLIGHT_WAIT_MS);
    await closeStep('postgres (system pool)', this.$disconnect());
  }
}
