import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config.service.js';
import { enqueueDebouncedRefresh } from '../../modules/reports/stats-refresh.js';
import { QUEUE } from '../queue/queues.js';
import { Prisma } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { MailService, type EmailJob } from '../mail/mail.service.js';
import { TenantPrisma, type TenantTx } from '../prisma/tenant-prisma.service.js';
import { RedisService } from '../redis/redis.module.js';
import { NotificationDispatchService, type DispatchJob } from '../../modules/notifications/notification-dispatch.service.js';
import { RemindersService } from '../../modules/consultations/reminders.service.js';

/** A side effect to perform once the transaction that records it has committed. */
export type OutboxEffect =
  | { topic: 'notify'; payload: DispatchJob }
  | { topic: 'mail'; payload: EmailJob }
  | { topic: 'reminders.schedule'; payload: { consultationId: string; scheduledAt: string } }
  | { topic: 'reminders.remove'; payload: { consultationId: string } }
  | { topic: 'stats.refresh'; payload: { reason: 'consultation-ended' } };

/** An outbox row as delivery needs it. */
export interface OutboxRow {
  id: string;
  topic: string;
  payload: Prisma.JsonValue;
}

/** Records a delivery's outcome: `null` when delivered, else the error's name (one more attempt). */
export type OutboxSettle = (error: string | null) => Promise<unknown>;

/**
 * Transactional outbox. `add` writes the effects in the caller's transaction, so a change and its
 * reminders, notifications and e-mails commit — or vanish — together. `deliver` then queues them right
 * after the commit; whatever could not be queued (Redis down, process stopped) is retried by the worker's
 * sweep (OutboxProcessor). Delivery is at-least-once: reminder jobs have fixed ids, so a repeat is a no-op.
 */
@Injectable()
export class OutboxService {
  private readonly logger = new Logger('Outbox');

  constructor(
    private readonly tenant: TenantPrisma,
    private readonly notify: NotificationDispatchService,
    private readonly mail: MailService,
    private readonly reminders: RemindersService,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    @InjectQueue(QUEUE.reports) private readonly reportsQueue: Queue,
  ) {}

  /** Inside the caller's transaction (no RETURNING: callers may write but not read the outbox). */
  async add(tx: TenantTx, effects: OutboxEffect[]): Promise<string[]> {
    const rows = effects.map((e) => ({ id: randomUUID(), topic: e.topic, payload: e.payload as unknown as Prisma.InputJsonValue }));
    if (rows.length) await tx.outboxMessage.createMany({ data: rows });
    return rows.map((r) => r.id);
  }

  /**
   * After the commit, as the caller that wrote them: the SECURITY DEFINER functions `outbox_claim` and
   * `outbox_settle` give it its own undelivered messages, by id, and nothing else. Failures stay pending
   * for the sweep. Never throws: the change is committed whatever happens here.
   */
  async deliver(ids: string[]): Promise<void> {
    // Redis down: every message would fail; leave them to the sweep rather than delay the response
    if (ids.length === 0 || !this.redis.available) return;
    const rows = await this.tenant
      .queryRaw<OutboxRow[]>(Prisma.sql`SELECT id::text AS id, topic, payload FROM outbox_claim(${ids}::uuid[])`)
      .catch((e) => {
        this.logger.warn({ message: 'outbox messages not claimed, left to the sweep', count: ids.length, error: (e as Error).name });
        return [];
      });
    for (const row of rows) {
      await this.perform(row, (error) => this.tenant.queryRaw(Prisma.sql`SELECT outbox_settle(${row.id}::uuid, ${error}::text)`));
    }
  }

  /** Performs one message's effect, then records the outcome with `settle`. Never throws. */
  async perform(row: OutboxRow, settle: OutboxSettle): Promise<void> {
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
        case 'stats.refresh':
          await enqueueDebouncedRefresh(this.reportsQueue, this.config.get('STATS_REFRESH_DEBOUNCE_MS'));
          break;
        default:
          throw new Error(`unknown outbox topic ${row.topic}`);
      }
      await settle(null);
    } catch (e) {
      this.logger.warn({ message: 'outbox message not delivered', id: row.id, topic: row.topic, error: (e as Error).name });
      await settle((e as Error).name).catch(() => undefined);
    }
  }
}
