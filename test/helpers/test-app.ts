import type { INestApplication } from '@nestjs/common';
import { PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp, socketPort } from '../../src/bootstrap.js';
import { SmtpSink } from './smtp-sink.js';

function requireEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the suite with \`npm test\` (scripts/test.mjs provisions Postgres and Redis)`);
  return v;
}

/** Fixed test secrets: every instance in one test run must verify the others' tokens. */
export const TEST_SECRETS = {
  JWT_SECRET: 'test-access-secret-0123456789abcdef0123456789',
  JWT_REFRESH_SECRET: 'test-refresh-secret-0123456789abcdef012345678',
  ENCRYPTION_KEYS: `v1:${'a1'.repeat(32)},v2:${'b2'.repeat(32)}`,
  ENCRYPTION_KEY_CURRENT: 'v2',
  JITSI_SECRET: 'test-jitsi-secret-0123456789',
  JOURNAL_TAG_KEY: 'c3'.repeat(32),
};

export interface TestContext {
  app: INestApplication;
  http: ReturnType<typeof request>;
  sink: SmtpSink;
  /** System-role client (BYPASSRLS) for fixtures and assertions. */
  db: PrismaClient;
  redisPrefix: string;
  wsUrl: string;
  close(): Promise<void>;
}

/**
 * Boots the real app (same bootstrap as production) on the test database and Redis, with an SMTP sink,
 * the embedded worker, and a Redis prefix of its own so parallel test files never share queues or
 * rate-limit counters.
 */
export async function startTestApp(
  opts: { sink?: SmtpSink; redisPrefix?: string; throttleLimit?: number; env?: Record<string, string> } = {},
): Promise<TestContext> {
  const sink = opts.sink ?? new SmtpSink();
  if (!opts.sink) await sink.start();
  const redisPrefix = opts.redisPrefix ?? `t${randomBytes(4).toString('hex')}`;
  Object.assign(process.env, TEST_SECRETS, {
    NODE_ENV: 'test',
    APP_DATABASE_URL: requireEnv('APP_DATABASE_URL'),
    SYSTEM_DATABASE_URL: requireEnv('SYSTEM_DATABASE_URL'),
    REDIS_URL: requireEnv('REDIS_URL'),
    REDIS_PREFIX: redisPrefix,
    PORT: '0',
    WS_PORT: '0',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    FRONTEND_URL: 'http://app.huntzen.test',
    WORKER_EMBEDDED: 'true',
    SWAGGER_ENABLED: 'true',
    THROTTLE_LIMIT: String(opts.throttleLimit ?? 1000),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ...opts.env,
  });
  const app = await createApp({ embeddedWorker: true });
  await app.init();
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: requireEnv('SYSTEM_DATABASE_URL'), max: 3 }) });
  return {
    app,
    http: request(app.getHttpServer()),
    sink,
    db,
    redisPrefix,
    wsUrl: `http://127.0.0.1:${socketPort(app) ?? 0}`,
    async close() {
      // a shutdown that hangs is a bug: fail with what is still open instead of a silent hook timeout
      const timer = setTimeout(() => {
        const handles = (process as unknown as { _getActiveHandles(): any[] })._getActiveHandles();
        const describe = (h: any) =>
          h.constructor.name === 'Socket' ? `Socket(${h.localPort}->${h.remotePort ?? 'pipe'})` : h.constructor.name === 'Server' ? `Server(${JSON.stringify(h.address?.())})` : h.constructor.name;
        console.error(`app.close() still running after 20 s; open handles: ${handles.map(describe).join(', ')}`);
      }, 20_000);
      timer.unref();
      await app.close();
      clearTimeout(timer);
      await db.$disconnect();
      if (!opts.sink) await sink.stop();
    },
  };
}

/** A unique, well-formed client IP for X-Forwarded-For: each test gets its own rate-limit bucket. */
export function randomIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2] || 1}`;
}

export function uniqueEmail(prefix: string, domain = 'example.test'): string {
  return `${prefix}.${randomUUID().slice(0, 8)}@${domain}`;
}
