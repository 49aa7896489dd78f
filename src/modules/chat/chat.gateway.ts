import { HttpStatus } from '@nestjs/common';
import { OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { Role } from '@prisma/client';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Namespace, Socket } from 'socket.io';
import { RequestContext } from '../../common/context/request-context.service.js';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { flattenValidationErrors, prototypeKeyErrors } from '../../common/errors/validation.js';
import { SocketAuthService, type AuthedSocketData } from '../../infra/realtime/socket-auth.service.js';
import { payloadAndAck, toErrorAck, type Ack } from '../../infra/realtime/socket-events.js';
import { ChatPresence, consultationRoom } from './chat-presence.service.js';
import { ChatRateLimiter } from './chat-rate-limiter.service.js';
import type { ChatRoom } from './chat-room.js';
import { ChatService } from './chat.service.js';
import { fastSocketPayload } from './socket-payload.js';
import { ConsultationRefDto, SocketMessageDto, SocketReadDto, SocketTypingDto } from './dto/chat.dto.js';

const notJoined = () => new AppException(HttpStatus.CONFLICT, ErrorCode.CHAT_NOT_JOINED, 'Rejoignez d’abord la conversation (chat:join)');
const invalid = (details: { field?: string; message: string }[]) => AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', details);

/**
 * `/chat` namespace (SPEC §5.2 W1–W10). Employees and practitioners only (admins and HR are refused at
 * the handshake); each socket is in `user:<userId>`. Every client event is rate limited per user and
 * event (Redis), validated, run as the socket's user under RLS and acknowledged `{ ok: true, ... }` or
 * `{ ok: false, error: { code, message } }`. Broadcasts go through the Redis adapter / emitter, so they
 * reach sockets on every instance.
 */
@WebSocketGateway({ namespace: '/chat' })
export class ChatGateway implements OnGatewayInit {
  constructor(
    private readonly auth: SocketAuthService,
    private readonly chat: ChatService,
    private readonly presence: ChatPresence,
    private readonly limiter: ChatRateLimiter,
    private readonly ctx: RequestContext,
  ) {}

  afterInit(namespace: Namespace): void {
    this.auth.guard(namespace, [Role.EMPLOYEE, Role.PRACTITIONER]);
    this.presence.attach(namespace);
    namespace.on('connection', (socket: Socket) => this.bind(socket));
  }

  private bind(socket: Socket): void {
    // the conversations this socket joined, with what the join checked (reused by chat:message for a few
    // seconds: see ChatService.send)
    const joined = new Map<string, ChatRoom>();
    const requireJoined = (consultationId: string) => {
      if (!joined.has(consultationId)) throw notJoined();
    };

    this.on(socket, 'chat:join', ConsultationRefDto, async (me, { consultationId }) => {
      let room: ChatRoom;
      try {
        room = await this.chat.openRoom(me, consultationId);
      } catch (e) {
        const reply = toErrorAck(e, 'chat:join');
        if (!reply.ok) socket.emit('chat:error', { code: reply.error.code, message: reply.error.message });
        throw e;
      }
      // join before reading the history, so a message sent meanwhile arrives live rather than being missed
      await socket.join(consultationRoom(consultationId));
      joined.set(consultationId, room);
      const history = await this.chat.history(me, consultationId, {}, room);
      socket.emit('chat:history', history.messages);
      return { consultationId, count: history.messages.length, nextCursor: history.nextCursor };
    });

    socket.on('disconnect', () => {
      const me = (socket.data as AuthedSocketData).identity;
      for (const consultationId of joined.keys()) void this.presence.left(consultationId, me.userId, { wait: false });
    });

    this.on(socket, 'chat:leave', ConsultationRefDto, async (me, { consultationId }) => {
      requireJoined(consultationId);
      joined.delete(consultationId);
      await socket.leave(consultationRoom(consultationId));
      await this.presence.left(consultationId, me.userId, { wait: true });
      return { consultationId };
    });

    // runs while the rate limit is still being counted in Redis: everything up to the insert (room check,
    // encryption) overlaps that round trip, and send() waits for `allowed` before writing anything
    this.on(
      socket,
      'chat:message',
      SocketMessageDto,
      async (me, dto, allowed) => {
        requireJoined(dto.consultationId);
        const message = await this.chat.send(me, dto.consultationId, dto, joined.get(dto.consultationId), allowed);
        return { messageId: message.id, createdAt: message.createdAt };
      },
      { beforeLimit: true },
    );

    this.on(socket, 'chat:typing', SocketTypingDto, async (me, { consultationId, isTyping }) => {
      requireJoined(consultationId);
      // relayed to the other sockets in the room, on every instance; never stored
      socket.to(consultationRoom(consultationId)).emit('chat:typing', { userId: me.userId, consultationId, isTyping });
      return {};
    });

    this.on(socket, 'chat:read', SocketReadDto, async (me, { messageId }) => {
      const receipt = await this.chat.markRead(me, messageId, requireJoined);
      return { messageId: receipt.messageId, readAt: receipt.readAt };
    });
  }

  /**
   * One client event: rate limited (Redis), validated, run as the socket's user, acknowledged. The limit's
   * round trip and the validation run concurrently; the limit is awaited first and decides first (a limited
   * event is RATE_LIMITED whatever its payload). A handler starts once both passed, unless `beforeLimit`:
   * then it starts as soon as the payload is valid and gets `allowed`, which it MUST await before any write
   * or broadcast (it rejects when the event is limited); its outcome is only used once the limit allowed it.
   */
  private on<T extends object>(
    socket: Socket,
    event: string,
    dto: new () => T,
    handler: (me: Identity, payload: T, allowed: Promise<void>) => Promise<Record<string, unknown>>,
    opts: { beforeLimit?: boolean } = {},
  ): void {
    socket.on(event, async (...args: unknown[]) => {
      const { payload: raw, ack } = payloadAndAck(args);
      const me = (socket.data as AuthedSocketData).identity;
      // sent to Redis first (the command is written synchronously), validated while it travels
      const limit = this.limiter.hit(me.userId, event);
      const allowed = limit.then((retryAfter) => {
        if (retryAfter) {
          throw new AppException(HttpStatus.TOO_MANY_REQUESTS, ErrorCode.RATE_LIMITED, `Trop d’événements ${event}, réessayez dans ${retryAfter} s`, [{ field: event, message: `retryAfter=${retryAfter}` }]);
        }
      });
      const parsed = parse(dto, raw);
      const early = opts.beforeLimit ? parsed.then((payload) => this.ctx.runAs(me, () => handler(me, payload, allowed))) : undefined;
      // settled either way below; never an unhandled rejection
      void (early ?? parsed).catch(() => undefined);
      try {
        await allowed;
        const result = early ? await early : await this.ctx.runAs(me, async () => handler(me, await parsed, allowed));
        ack({ ok: true, ...result } as Ack);
      } catch (e) {
        ack(toErrorAck(e, event));
      }
    });
  }
}

/** Validates a client payload like the HTTP ValidationPipe (whitelist, unknown and prototype keys refused). */
async function parse<T extends object>(dto: new () => T, payload: unknown): Promise<T> {
  const fast = fastSocketPayload(dto, payload);
  if (fast) return fast;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid([{ message: 'un objet JSON est attendu' }]);
  const proto = prototypeKeyErrors(payload);
  if (proto.length) throw invalid(proto);
  const instance = plainToInstance(dto, payload);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw invalid(flattenValidationErrors(errors));
  return instance;
}
