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
import { ChatService, type ChatRoom } from './chat.service.js';
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

    this.on(socket, 'chat:message', SocketMessageDto, async (me, dto) => {
      requireJoined(dto.consultationId);
      const message = await this.chat.send(me, dto.consultationId, dto, joined.get(dto.consultationId));
      return { messageId: message.id, createdAt: message.createdAt };
    });

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

  private on<T extends object>(socket: Socket, event: string, dto: new () => T, handler: (me: Identity, payload: T) => Promise<Record<string, unknown>>): void {
    socket.on(event, async (...args: unknown[]) => {
      const { payload: raw, ack } = payloadAndAck(args);
      const me = (socket.data as AuthedSocketData).identity;
      try {
        const retryAfter = await this.limiter.hit(me.userId, event);
        if (retryAfter) {
          throw new AppException(HttpStatus.TOO_MANY_REQUESTS, ErrorCode.RATE_LIMITED, `Trop d’événements ${event}, réessayez dans ${retryAfter} s`, [{ field: event, message: `retryAfter=${retryAfter}` }]);
        }
        const payload = await parse(dto, raw);
        const result = await this.ctx.runAs(me, () => handler(me, payload));
        ack({ ok: true, ...result } as Ack);
      } catch (e) {
        ack(toErrorAck(e, event));
      }
    });
  }
}

/** Validates a client payload like the HTTP ValidationPipe (whitelist, unknown and prototype keys refused). */
async function parse<T extends object>(dto: new () => T, payload: unknown): Promise<T> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid([{ message: 'un objet JSON est attendu' }]);
  const proto = prototypeKeyErrors(payload);
  if (proto.length) throw invalid(proto);
  const instance = plainToInstance(dto, payload);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw invalid(flattenValidationErrors(errors));
  return instance;
}
