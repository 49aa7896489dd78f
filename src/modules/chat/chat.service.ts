import { Injectable, Logger } from '@nestjs/common';
import { ConsultationStatus, FileType, Message, MessageType, NotificationType, Prisma, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { RequestContext } from '../../common/context/request-context.service.js';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { AppConfig } from '../../config/app-config.service.js';
import { Envelope, EnvelopeCrypto } from '../../infra/crypto/envelope-crypto.service.js';
import { OutboxService } from '../../infra/outbox/outbox.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { TenantSql } from '../../infra/prisma/tenant-sql.service.js';
import { RealtimePublisher } from '../../infra/realtime/realtime-publisher.service.js';
import { RedisService } from '../../infra/redis/redis.module.js';
import { AccessService, type ConsultationAccess } from '../access/access.service.js';
import { fileIdFromUrl, FilesService, fileUrl } from '../files/files.service.js';
import { ChatPresence, consultationRoom } from './chat-presence.service.js';
import { adopt, freshRoom, isFresh, type ChatRoom, type Profiles } from './chat-room.js';
import { MessageRef, openMessageContent, sealMessageContent } from './message-crypto.js';
import { SubjectKeyring, SubjectKeys } from '../../infra/crypto/subject-keys.service.js';
import type { AttachmentUploadedDto, MessageDto, MessageListDto, MessageSenderDto, ThreadDto } from './dto/chat.dto.js';
import { HISTORY_PAGE } from './dto/chat.dto.js';

const CLOSED: ConsultationStatus[] = [ConsultationStatus.CANCELLED, ConsultationStatus.NO_SHOW];
const PROFILE = { userId: true, id: true, firstName: true, lastName: true, avatarUrl: true } as const;

export interface ReadReceipt {
  messageId: string;
  consultationId: string;
  readBy: string;
  readAt: Date;
}

/**
 * The chat (SPEC §4.8, §5.2, §6.5): one service behind the `/chat` socket events and the REST fallback,
 * so both validate, encrypt, persist and broadcast the same way. Every query runs as the caller under
 * RLS; participation is answered by AccessService. Content is never logged.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger('Chat');
  private readonly followUpMs: number;
  private readonly editWindowMs: number;
  private readonly notifyCooldown: number;

  constructor(
    private readonly tenant: TenantPrisma,
    private readonly ctx: RequestContext,
    private readonly crypto: EnvelopeCrypto,
    private readonly access: AccessService,
    private readonly publisher: RealtimePublisher,
    private readonly outbox: OutboxService,
    private readonly files: FilesService,
    private readonly presence: ChatPresence,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly subjectKeys: SubjectKeys,
    private readonly sql: TenantSql,
  ) {
    this.followUpMs = config.get('CHAT_FOLLOW_UP_DAYS') * 86_400_000;
    this.editWindowMs = config.get('CHAT_EDIT_WINDOW_MINUTES') * 60_000;
    this.notifyCooldown = config.get('CHAT_NOTIFY_COOLDOWN_SECONDS');
  }

  /** W1: 404 unless the caller is one of the consultation's two participants; what a socket keeps once joined. */
  async openRoom(me: Identity, consultationId: string): Promise<ChatRoom> {
    const at = Date.now();
    const { access, employee, practitioner } = await this.access.consultationParticipants(me, consultationId);
    return { access, profiles: new Map([employee, practitioner].map((p) => [p.userId, p])), at };
  }

  /** The room as checked less than ROOM_TTL_MS ago, else checked again (see freshRoom). */
  private fresh(me: Identity, consultationId: string, room?: ChatRoom): Promise<{ room: ChatRoom; cached: boolean }> {
    return freshRoom(room, consultationId, () => this.openRoom(me, consultationId));
  }

  /** CH1 / W6: a page of messages, oldest first; `cursor` (a message id) pages backwards. */
  async history(me: Identity, consultationId: string, q: { limit?: number; cursor?: string } = {}, room?: ChatRoom): Promise<MessageListDto> {
    const { access: consultation, profiles } = room?.access.id === consultationId ? room : await this.openRoom(me, consultationId);
    const limit = q.limit ?? HISTORY_PAGE;
    let before: Prisma.MessageWhereInput = {};
    if (q.cursor) {
      const cursor = await this.tenant.db.message.findFirst({ where: { id: q.cursor, consultationId }, select: { id: true, createdAt: true } });
      if (!cursor) throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Curseur inconnu', [{ field: 'cursor', message: 'cursor doit être un nextCursor de cette conversation' }]);
      before = { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] };
    }
    const [rows, ring] = await Promise.all([
      this.tenant.db.message.findMany({ where: { consultationId, ...before }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit + 1 }),
      this.subjectKeys.ring([consultation.employeeUserId]),
    ]);
    try {
      const more = rows.length > limit;
      const page = rows.slice(0, limit).reverse();
      return { messages: page.map((r) => this.toDto(r, profiles, { ring })), nextCursor: more ? page[0].id : null };
    } finally {
      ring.close();
    }
  }

  /**
   * CH2 / W3: encrypts, persists, then broadcasts `chat:message:received`; an offline recipient is notified.
   * `room`: what the socket's chat:join checked (one insert per message while it is fresh).
   */
  async send(me: Identity, consultationId: string, dto: { content: string; attachmentUrl?: string }, room?: ChatRoom, allowed?: Promise<void>): Promise<MessageDto> {
    // `allowed`: the sender's rate limit, still being counted in Redis. What needs no database — the room as
    // chat:join checked it (while fresh), the encryption under a subject key already held — goes ahead of
    // it; anything that reads or writes the database, and the insert itself, waits for it
    const ahead = !!allowed && !dto.attachmentUrl && !!room && isFresh(room, consultationId) && this.subjectKeys.holds(room.access.employeeUserId);
    if (allowed && !ahead) await allowed;
    const { room: r, cached } = await this.fresh(me, consultationId, room);
    this.assertWritable(r.access);
    const attachment = dto.attachmentUrl ? await this.attachment(me, consultationId, dto.attachmentUrl) : null;
    const id = randomUUID();
    const sealed = await this.seal(r.access, { id, consultationId, senderId: me.userId }, dto.content);
    const row: Message = {
      id,
      consultationId,
      senderId: me.userId,
      senderRole: me.role,
      ...sealed,
      messageType: attachment ? (attachment.mimeType.startsWith('image/') ? MessageType.IMAGE : MessageType.FILE) : MessageType.TEXT,
      attachmentUrl: attachment ? fileUrl(attachment.id) : null,
      attachmentName: attachment?.originalName ?? null,
      attachmentType: attachment?.mimeType ?? null,
      attachmentSize: attachment?.size ?? null,
      isRead: false,
      readAt: null,
      isEdited: false,
      editedAt: null,
      isDeleted: false,
      deletedAt: null,
      createdAt: new Date(0), // stamped by the database (messages_guard_write)
    };
    if (ahead) await allowed;
    try {
      row.createdAt = await this.insert(row);
    } catch (e) {
      // refused by the database although the cached room allowed it (cancelled or no-show meanwhile):
      // check again, so the answer is CHAT_CLOSED (or 404) rather than an internal error
      if (!cached || !room) throw e;
      // a check of its own: one already in flight may have started before the change
      const now = await this.openRoom(me, consultationId);
      adopt(room, now);
      this.assertWritable(now.access);
      throw e;
    }
    const message = this.toDto(row, r.profiles, { plaintext: dto.content });
    // through this instance's Socket.IO server when it has one (its own sockets at once, one publish for the
    // others), else the emitter
    if (!this.presence.toRoom(consultationId, 'chat:message:received', message)) this.publisher.toRoom('/chat', consultationRoom(consultationId), 'chat:message:received', message);
    void this.ctx.runAs(me, () => this.notifyIfOffline(r.access, id));
    return message;
  }

  /**
   * The one INSERT of a message, as the caller under RLS (the insert policy checks sender, participation
   * and status), in one round trip (TenantSql, chat_post_message): the hot path of the chat. Returns the
   * database's creation time.
   */
  private async insert(m: Message): Promise<Date> {
    return this.sql.call<Date>('chat_post_message', [
      m.id, m.consultationId, m.senderId, m.senderRole, m.encryptedContent, m.iv, m.authTag, m.encryptedDek, m.dekIv, m.dekAuthTag,
      m.keyVersion, m.messageType, m.attachmentUrl, m.attachmentName, m.attachmentType, m.attachmentSize,
    ]);
  }

  /** CH3 / W5: the recipient only; broadcasts `chat:message:read`. Idempotent. */
  async markRead(me: Identity, messageId: string, beforeWrite?: (consultationId: string) => void): Promise<ReadReceipt> {
    const row = await this.tenant.db.message.findFirst({ where: { id: messageId }, select: { id: true, consultationId: true, senderId: true, isRead: true, readAt: true } });
    if (!row) throw AppException.notFound('Message introuvable');
    beforeWrite?.(row.consultationId);
    if (row.senderId === me.userId) throw AppException.forbidden(ErrorCode.FORBIDDEN, 'Seul le destinataire marque un message comme lu');
    if (row.isRead && row.readAt) return { messageId, consultationId: row.consultationId, readBy: me.userId, readAt: row.readAt };
    const readAt = new Date();
    await this.tenant.db.message.updateMany({ where: { id: messageId, isRead: false }, data: { isRead: true, readAt } });
    const receipt = { messageId, consultationId: row.consultationId, readBy: me.userId, readAt };
    this.publisher.toRoom('/chat', consultationRoom(row.consultationId), 'chat:message:read', { messageId, readBy: me.userId, readAt });
    return receipt;
  }

  /** I4: the sender, within CHAT_EDIT_WINDOW_MINUTES, while the chat is open; re-encrypted under a fresh data key. */
  async edit(me: Identity, messageId: string, content: string): Promise<MessageDto> {
    const row = await this.own(me, messageId);
    if (Date.now() - row.createdAt.getTime() > this.editWindowMs) {
      throw AppException.conflict(ErrorCode.MESSAGE_EDIT_WINDOW_EXPIRED, `Un message ne peut être modifié que ${this.config.get('CHAT_EDIT_WINDOW_MINUTES')} minutes après son envoi`);
    }
    const { access: consultation, profiles } = await this.openRoom(me, row.consultationId);
    this.assertWritable(consultation);
    const sealed = await this.seal(consultation, row, content);
    const updated = await this.tenant.db.message.update({ where: { id: messageId }, data: { ...sealed, isEdited: true, editedAt: new Date() } });
    const message = this.toDto(updated, profiles, { plaintext: content });
    this.publisher.toRoom('/chat', consultationRoom(row.consultationId), 'chat:message:edited', message);
    return message;
  }

  /** I5: soft delete by the sender; the message stays in the history as deleted, without content. */
  async remove(me: Identity, messageId: string): Promise<void> {
    const row = await this.own(me, messageId);
    const deletedAt = new Date();
    await this.tenant.db.message.updateMany({ where: { id: messageId, senderId: me.userId, isDeleted: false }, data: { isDeleted: true, deletedAt } });
    this.publisher.toRoom('/chat', consultationRoom(row.consultationId), 'chat:message:deleted', { messageId, consultationId: row.consultationId, deletedAt });
  }

  /** CH4: a JPEG/PNG/PDF attachment through the files module (encrypted, readable by the two participants). */
  async upload(me: Identity, consultationId: string, upload: Express.Multer.File | undefined): Promise<AttachmentUploadedDto> {
    this.assertWritable(await this.access.consultationParticipant(me, consultationId));
    const file = await this.files.store(me, { fileType: FileType.ATTACHMENT, relatedResource: 'consultation', relatedId: consultationId }, upload);
    return { fileId: file.id, url: fileUrl(file.id), attachmentName: file.originalName, attachmentType: file.mimeType, attachmentSize: file.size };
  }

  /** CH5: the caller's conversations with a message, latest first. */
  async threads(me: Identity): Promise<ThreadDto[]> {
    const mine = this.access.participantWhere(me);
    const [last, unread] = await Promise.all([
      this.tenant.db.message.groupBy({ by: ['consultationId'], where: { consultation: mine }, _max: { createdAt: true } }),
      this.tenant.db.message.groupBy({ by: ['consultationId'], where: { consultation: mine, senderId: { not: me.userId }, isRead: false, isDeleted: false }, _count: { _all: true } }),
    ]);
    if (last.length === 0) return [];
    const consultations = await this.tenant.db.consultation.findMany({
      where: { id: { in: last.map((l) => l.consultationId) }, ...mine },
      select: { id: true, employee: { select: PROFILE }, practitioner: { select: PROFILE } },
    });
    const unreadBy = new Map(unread.map((u) => [u.consultationId, u._count._all]));
    const lastBy = new Map(last.map((l) => [l.consultationId, l._max.createdAt!]));
    return consultations
      .map((c) => {
        const other = me.role === Role.EMPLOYEE ? c.practitioner : c.employee;
        return {
          id: c.id,
          consultationId: c.id,
          participant: { id: other.id, firstName: other.firstName, lastName: other.lastName, avatarUrl: other.avatarUrl },
          lastMessageAt: lastBy.get(c.id)!,
          unreadCount: unreadBy.get(c.id) ?? 0,
        };
      })
      .sort((a, b) => b.lastMessageAt.getTime() - a.lastMessageAt.getTime());
  }

  /**
   * SPEC §6.5 [PROPOSED]: writable from booking; read-only once CANCELLED or NO_SHOW; after COMPLETED for
   * CHAT_FOLLOW_UP_DAYS from the end (the database refuses CANCELLED/NO_SHOW as well).
   */
  assertWritable(c: Pick<ConsultationAccess, 'status' | 'endedAt' | 'scheduledEndAt'>): void {
    const closed =
      CLOSED.includes(c.status) || (c.status === ConsultationStatus.COMPLETED && Date.now() > (c.endedAt ?? c.scheduledEndAt).getTime() + this.followUpMs);
    if (closed) throw AppException.conflict(ErrorCode.CHAT_CLOSED, 'Cette conversation est en lecture seule');
  }

  /** The caller's own, not deleted message; another participant's is 403, anybody else's 404. */
  private async own(me: Identity, messageId: string): Promise<Message> {
    const row = await this.tenant.db.message.findFirst({ where: { id: messageId } });
    if (!row) throw AppException.notFound('Message introuvable');
    if (row.senderId !== me.userId) throw AppException.forbidden(ErrorCode.FORBIDDEN, "Seul l'expéditeur peut modifier ou supprimer un message");
    if (row.isDeleted) throw AppException.conflict(ErrorCode.MESSAGE_DELETED, 'Ce message a été supprimé');
    return row;
  }

  /** A File the sender uploaded for this consultation (CH2 [PROPOSED]), else 400 on attachmentUrl. */
  private async attachment(me: Identity, consultationId: string, url: string) {
    const id = fileIdFromUrl(url);
    const file = id
      ? await this.tenant.db.file.findFirst({ where: { id, uploadedBy: me.userId, relatedResource: 'consultation', relatedId: consultationId }, select: { id: true, originalName: true, mimeType: true, size: true } })
      : null;
    if (!file) {
      throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Pièce jointe inconnue', [{ field: 'attachmentUrl', message: 'la pièce jointe doit avoir été envoyée par vous pour cette consultation' }]);
    }
    return file;
  }

  /** The two participants' display profiles, by user id. */
  /** Seals under the subject key of the consultation's employee (created on the first message). */
  private async seal(c: ConsultationAccess, ref: MessageRef, content: string): Promise<Envelope> {
    const { wrapping, ring } = await this.subjectKeys.wrappingFor(c.employeeUserId);
    try {
      return sealMessageContent(this.crypto, wrapping, ref, content);
    } finally {
      ring.close();
    }
  }

  /** `plaintext` when the caller just wrote it, else decrypted with `ring`. */
  private toDto(row: Message, profiles: Profiles, content: { plaintext: string } | { ring: SubjectKeyring }): MessageDto {
    const p = profiles.get(row.senderId);
    const sender: MessageSenderDto = { firstName: p?.firstName ?? '', lastName: p?.lastName ?? '', avatarUrl: p?.avatarUrl ?? null };
    return {
      id: row.id,
      consultationId: row.consultationId,
      senderId: row.senderId,
      senderRole: row.senderRole,
      senderName: `${sender.firstName} ${sender.lastName}`.trim(),
      senderAvatarUrl: sender.avatarUrl,
      sender,
      content: row.isDeleted ? null : 'plaintext' in content ? content.plaintext : this.open(row, content.ring),
      messageType: row.messageType,
      attachmentUrl: row.isDeleted ? null : row.attachmentUrl,
      attachmentName: row.isDeleted ? null : row.attachmentName,
      attachmentType: row.isDeleted ? null : row.attachmentType,
      attachmentSize: row.isDeleted ? null : row.attachmentSize,
      isRead: row.isRead,
      readAt: row.readAt,
      createdAt: row.createdAt,
      isEdited: row.isEdited,
      editedAt: row.editedAt,
      isDeleted: row.isDeleted,
      deletedAt: row.deletedAt,
    };
  }

  /** A message that fails its integrity check shows without content (one bad row must not block a conversation). */
  private open(row: Message, ring: SubjectKeyring): string | null {
    try {
      return openMessageContent(ring, row);
    } catch (e) {
      this.logger.warn({ message: 'chat message failed its integrity check', id: row.id, error: (e as Error).name });
      return null;
    }
  }

  /**
   * MESSAGE_RECEIVED for a recipient with no socket in the room (any instance), at most once per
   * consultation and CHAT_NOTIFY_COOLDOWN_SECONDS, through the outbox (in-app + e-mail per preferences).
   * Generic text only: no content, no sender name or specialty. Never throws.
   */
  private async notifyIfOffline(c: ConsultationAccess, messageId: string): Promise<void> {
    try {
      if (await this.presence.isJoined(c.id, c.counterpartUserId)) return;
      if (this.notifyCooldown > 0) {
        const first = await this.redis
          .guard(() => this.redis.client.set(this.redis.key('chat-notified', c.id, c.counterpartUserId), '1', 'EX', this.notifyCooldown, 'NX'))
          .catch(() => 'OK');
        if (first !== 'OK') return;
      }
      const link = new URL(`/consultations/${c.id}/chat`, this.config.get('FRONTEND_URL')).toString();
      let ids: string[] = [];
      await this.tenant.tx(async (tx) => {
        ids = await this.outbox.add(tx, [
          {
            topic: 'notify',
            payload: {
              userIds: [c.counterpartUserId],
              type: NotificationType.MESSAGE_RECEIVED,
              title: 'Nouveau message',
              message: 'Vous avez reçu un nouveau message.',
              linkUrl: `/consultations/${c.id}/chat`,
              metadata: { consultationId: c.id, messageId },
              mail: { template: 'message-received', data: { link } },
            },
          },
        ]);
      });
      await this.outbox.deliver(ids);
    } catch (e) {
      this.logger.warn({ message: 'offline message notification not recorded', consultationId: c.id, error: (e as Error).name });
    }
  }
}
