import { Module } from '@nestjs/common';
import { ClsModule, ClsService } from 'nestjs-cls';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { CommonModule } from './common/common.module.js';
import { AppConfigModule } from './config/config.module.js';
import { CryptoModule } from './infra/crypto/crypto.module.js';
import { MailModule } from './infra/mail/mail.module.js';
import { PrismaModule } from './infra/prisma/prisma.module.js';
import { QueueModule } from './infra/queue/queue.module.js';
import { RedisModule } from './infra/redis/redis.module.js';
import { StorageModule } from './infra/storage/storage.module.js';
import { MetricsModule } from './infra/metrics/metrics.module.js';
import { OutboxModule } from './infra/outbox/outbox.module.js';
import { RealtimeModule } from './infra/realtime/realtime.module.js';
import { AccessModule } from './modules/access/access.module.js';
import { RemindersModule } from './modules/consultations/reminders.module.js';
import { NotificationsDeliveryModule } from './modules/notifications/notifications-delivery.module.js';
import { AuditModule } from './modules/audit/audit.module.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Per-request context (AsyncLocalStorage). Mounted by `createApp` as the very first Express middleware,
 * so every route (unprefixed /health and /metrics included) has a request id and a context.
 */
export const clsMiddlewareOptions = {
  generateId: true,
  // keep a well-formed id from nginx so one request can be followed across hops
  idGenerator: (req: Request) => {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  },
  setup: (cls: ClsService, req: Request, res: Response) => {
    cls.set('ip', req.ip);
    cls.set('userAgent', req.headers['user-agent']);
    res.setHeader('X-Request-Id', cls.getId());
  },
};

const SHARED = [AppConfigModule, PrismaModule, RedisModule, CryptoModule, QueueModule, MailModule, StorageModule, CommonModule, MetricsModule, RealtimeModule, AuditModule, AccessModule,
  NotificationsDeliveryModule, RemindersModule, OutboxModule];

/** Providers shared by the api and the worker processes. */
@Module({
  imports: [ClsModule.forRoot({ global: true }), ...SHARED],
  exports: SHARED,
})
export class CoreModule {}
