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

/** Records the outcomes of several deliveries at once (one statement). */
export type OutboxSettleAll = (outcomes: { id: string; error: string | null }[]) => Promise<unknown>;

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
    await this.performAll(rows, (outcomes) =>
      this.tenant.queryRaw(
        Prisma.sql`SELECT outbox_settle(o.id, o.error) FROM unnest(${outcomes.map((o) => o.id)}::uuid[], ${outcomes.map((o) => o.error)}::text[]) AS o(id, error)`,
      ),
    );
  }

  /**
   * Performs several messages' effects, grouped by kind (one BullMQ addBulk per queue), then records
   * every outcome with one `settle`. Never throws.
   */
  async performAll(rows: OutboxRow[], settle: OutboxSettleAll): Promise<void> {
    if (rows.length === 0) return;
    const byTopic = new Map<string, OutboxRow[]>();
    for (const row of rows) (byTopic.get(row.topic) ?? byTopic.set(row.topic, []).get(row.topic)!).push(row);
    const outcomes: { id: string; error: string | null }[] = [];
    await Promise.all(
      [...byTopic].map(async ([topic, group]) => {
        let error: string | null = null;
        try {
          await this.performGroup(topic, group.map((r) => r.payload) as never[]);
        } catch (e) {
          error = (e as Error).name;
          this.logger.warn({ message: 'outbox messages not delivered', count: group.length, topic, error });
        }
        for (const row of group) outcomes.push({ id: row.id, error });
      }),
    );
    await settle(outcomes).catch((e) => this.logger.warn({ message: 'outbox outcomes not recorded', count: outcomes.length, error: (e as Error).name }));
  }

  private async performGroup(topic: string, payloads: never[]): Promise<void> {
    const reminders = (list: { consultationId: string; scheduledAt: string }[]) => list.map((p) => ({ consultationId: p.consultationId, scheduledAt: new Date(p.scheduledAt) }));
    switch (topic as OutboxEffect['topic']) {
      case 'notify':
        return this.notify.dispatchMany(payloads as DispatchJob[]);
      case 'mail':
        return this.mail.enqueueMany(payloads as EmailJob[]);
      case 'reminders.schedule':
        return this.reminders.scheduleMany(reminders(payloads));
      case 'reminders.remove':
        return this.reminders.removeMany((payloads as { consultationId: string }[]).map((p) => p.consultationId));
      case 'stats.refresh':
        // one debounced refresh however many consultations ended in the batch
        return void (await enqueueDebouncedRefresh(this.reportsQueue, this.config.get('STATS_REFRESH_DEBOUNCE_MS')));
      default:
        throw new Error(`unknown outbox topic ${topic}`);
    }
  }

  /** Performs one message's effect, then records the outcome with `settle`. Never throws. */
  async perform(row: OutboxRow, settle: OutboxSettle): Promise<void> {
    await this.performAll([row], ([outcome]) => settle(outcome.error));
  }
}
