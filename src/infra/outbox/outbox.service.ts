import { Injectable, Logger } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { MailService, type EmailJob } from '../mail/mail.service.js';
import { SystemPrismaService } from '../prisma/prisma.service.js';
import { RedisService } from '../redis/redis.module.js';
import type { TenantTx } from '../prisma/tenant-prisma.service.js';
import { NotificationDispatchService, type DispatchJob } from '../../modules/notifications/notification-dispatch.service.js';
import { RemindersService } from '../../modules/consultations/reminders.service.js';

/** A side effect to perform once the transaction that records it has committed. */
export type OutboxEffect =
  | { topic: 'notify'; payload: DispatchJob }
  | { topic: 'mail'; payload: EmailJob }
  | { topic: 'reminders.schedule'; payload: { consultationId: string; scheduledAt: string } }
  | { topic: 'reminders.remove'; payload: { consultationId: string } };

const MAX_ATTEMPTS = 10;

/**
 * Transactional outbox. `add` writes the effects in the caller's transaction, so a change and its
 * reminders, notifications and e-mails commit — or vanish — together. `deliver` then queues them right
 * after the commit; whatever could not be queued (Redis down, process stopped) is retried by the worker's
 * sweep (`deliverPending`). Delivery is at-least-once: reminder jobs have fixed ids, so a repeat is a no-op.
 */
@Injectable()
export class OutboxService {
  private readonly logger = new Logger('Outbox');

  constructor(
    private readonly system: SystemPrismaService,
    private readonly notify: NotificationDispatchService,
    private readonly mail: MailService,
    private readonly reminders: RemindersService,
    private readonly redis: RedisService,
  ) {}

  /** Inside the caller's transaction (no RETURNING: callers may write but not read the outbox). */
  async add(tx: TenantTx, effects: OutboxEffect[]): Promise<string[]> {
    const rows = effects.map((e) => ({ id: randomUUID(), topic: e.topic, payload: e.payload as unknown as Prisma.InputJsonValue }));
    if (rows.length) await tx.outboxMessage.createMany({ data: rows });
    return rows.map((r) => r.id);
  }

  /** After the commit: delivers these messages now; failures stay pending for the sweep. Never throws. */
  async deliver(ids: string[]): Promise<void> {
    // Redis down: every message would fail; leave them to the sweep rather than delay the response
    if (ids.length === 0 || !this.redis.available) return;
    const rows = await this.system.outboxMessage.findMany({ where: { id: { in: ids }, deliveredAt: null }, orderBy: { createdAt: 'asc' } });
    for (const row of rows) await this.deliverOne(row);
  }

  /** The sweep: messages older than `olderThanMs` still undelivered (their request could not deliver them). */
  async deliverPending(olderThanMs = 30_000, batch = 200): Promise<number> {
    const rows = await this.system.outboxMessage.findMany({
      where: { deliveredAt: null, attempts: { lt: MAX_ATTEMPTS }, createdAt: { lt: new Date(Date.now() - olderThanMs) } },
      orderBy: { createdAt: 'asc' },
      take: batch,
    });
    for (const row of rows) await this.deliverOne(row);
    return rows.length;
  }

  private async deliverOne(row: { id: string; topic: string; payload: Prisma.JsonValue }): Promise<void> {
    try {
      const effect = { topic: row.topic, payload: row.payload } as OutboxEffect;
      switch (effect.topic) {
        case 'notify':
          await this.notify.dispatch(effect.payload);
          break;
        case 'mail':
          await this.mail.enqueue(effect.payload);
          break;
        case 'reminders.schedule':
          await this.reminders.schedule(effect.payload.consultationId, new Date(effect.payload.scheduledAt));
          break;
        case 'reminders.remove':
          await this.reminders.remove(effect.payload.consultationId);
          break;
        default:
          throw new Error(`unknown outbox topic ${row.topic}`);
      }
      await this.system.outboxMessage.update({ where: { id: row.id }, data: { deliveredAt: new Date(), attempts: { increment: 1 } } });
    } catch (e) {
      this.logger.warn({ message: 'outbox message not delivered', id: row.id, topic: row.topic, error: (e as Error).name });
      await this.system.outboxMessage
        .update({ where: { id: row.id }, data: { attempts: { increment: 1 }, lastError: (e as Error).name } })
        .catch(() => undefined);
    }
  }
}
