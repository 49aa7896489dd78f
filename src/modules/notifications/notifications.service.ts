import { Injectable } from '@nestjs/common';
import { NotificationType, Prisma } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { RealtimePublisher } from '../../infra/realtime/realtime-publisher.service.js';
import type { NotificationPush } from './notifications.gateway.js';

export interface NewNotification {
  userId: string;
  type: NotificationType;
  title: string;
  /** Generic text only ("Nouveau message"), never health content (SPEC §11 S17). */
  message: string;
  linkUrl?: string;
  linkLabel?: string;
  /** Ids only, e.g. `{ consultationId }`. */
  metadata?: Prisma.InputJsonObject;
}

/**
 * In-app notifications. `create` writes the rows inside the caller's transaction; `push` sends them
 * to the recipients' sockets once that transaction has committed (a rolled-back change must not
 * produce a toast). Rows are inserted without RETURNING: the actor may notify another user but not
 * read that user's notifications back (RLS).
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly publisher: RealtimePublisher,
  ) {}

  /** `tx`: the caller's tenant transaction, or a system-client transaction in queue processors. */
  async create(items: NewNotification[], tx?: TenantTx): Promise<(NotificationPush & { userId: string })[]> {
    if (items.length === 0) return [];
    const createdAt = new Date();
    const rows = items.map((n) => ({
      id: randomUUID(),
      userId: n.userId,
      type: n.type,
      title: n.title,
      message: n.message,
      linkUrl: n.linkUrl ?? null,
      linkLabel: n.linkLabel ?? null,
      metadata: n.metadata,
      createdAt,
    }));
    if (tx) await tx.notification.createMany({ data: rows });
    else await this.tenant.db.notification.createMany({ data: rows });
    return rows.map((r) => ({ id: r.id, userId: r.userId, type: r.type, title: r.title, message: r.message, linkUrl: r.linkUrl, createdAt }));
  }

  push(created: (NotificationPush & { userId: string })[]): void {
    for (const { userId, ...n } of created) this.publisher.toUser('/notifications', userId, 'notification:new', n);
  }

  /** create + push, for callers without a surrounding transaction. */
  async notify(items: NewNotification[]): Promise<void> {
    this.push(await this.create(items));
  }
}
