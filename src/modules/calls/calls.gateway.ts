import { HttpStatus, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { ConsultationFormat, Role } from '@prisma/client';
import type { Namespace, Socket } from 'socket.io';
import type { Identity } from '../../common/context/request-context.js';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { AppConfig } from '../../config/app-config.service.js';
import { AuthedSocketData, SocketAuthService } from '../../infra/realtime/socket-auth.service.js';
import { Ack, overLimit, RATE_LIMITED_ACK, toErrorAck } from '../../infra/realtime/socket-events.js';
import { AccessService } from '../access/access.service.js';
import { ConsultationsService } from '../consultations/consultations.service.js';
import { RoomAccessService } from '../consultations/room-access.service.js';
import { PresenceService } from '../presence/presence.service.js';
import { candidatePayload, consultationPayload, descriptionPayload } from './call-payloads.js';
import { CallRecord, CallStateService } from './call-state.service.js';

type CallAck = Ack<{ status: 'calling' | 'accepted' | 'rejected' | 'ended' | 'relayed' }>;
const SIGNAL_WINDOW_MS = 10_000;

/**
 * `/audio-call` (SPEC §5.3 W11–W24, with its [PROPOSED] rules): WebRTC signalling between the two
 * participants of an AUDIO consultation, inside the join window (the same rule as the room endpoint CO8).
 * The callee is the other participant (a client's `calleeId` is ignored); the call lives in Redis with an
 * expiry, so the two parties may be on different instances; offers, answers and ICE candidates go to the
 * other party's call socket only, and only once the call is accepted.
 */
@WebSocketGateway({ namespace: '/audio-call' })
export class CallsGateway implements OnGatewayInit, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AudioCall');
  private ns!: Namespace;
  /** This instance's sockets that take part in a call (to keep the call alive and watch the other party). */
  private readonly inCall = new Map<string, { socket: Socket; consultationId: string }>();
  private readonly signalLimit: number;
  private timer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly auth: SocketAuthService,
    private readonly calls: CallStateService,
    private readonly access: AccessService,
    private readonly rooms: RoomAccessService,
    private readonly consultations: ConsultationsService,
    private readonly presence: PresenceService,
    private readonly ctx: RequestContext,
    config: AppConfig,
  ) {
    this.signalLimit = config.get('CALL_SIGNALS_PER_10S');
  }

  afterInit(namespace: Namespace): void {
    this.ns = namespace;
    this.auth.guard(namespace, [Role.EMPLOYEE, Role.PRACTITIONER]);
  }

  onModuleInit(): void {
    // per-instance heartbeat (like presence): keeps this instance's calls alive and ends those whose other
    // party's instance died (its presence entry expired)
    this.timer = setInterval(() => void this.watch(), this.presence.heartbeatMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.closing = true;
    clearInterval(this.timer);
  }

  // ---------- W11–W14 ----------

  @SubscribeMessage('call:initiate')
  initiate(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<CallAck> {
    return this.handle(socket, 'call:initiate', async (me) => {
      const { consultationId } = consultationPayload(body, ['calleeId']);
      const c = await this.callable(me, consultationId);
      const started = await this.calls.initiate({ consultationId, callerUserId: me.userId, callerSocket: socket.id, calleeUserId: c.counterpartUserId });
      if (!started) throw AppException.conflict(ErrorCode.CALL_IN_PROGRESS, 'Un appel est déjà en cours pour cette consultation');
      this.inCall.set(socket.id, { socket, consultationId });
      this.ns.to(`user:${c.counterpartUserId}`).emit('call:incoming', { consultationId, callerId: me.userId });
      await this.roomEvent(me, consultationId, 'ROOM_JOINED');
      return { ok: true, status: 'calling' };
    });
  }

  @SubscribeMessage('call:accept')
  accept(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<CallAck> {
    return this.handle(socket, 'call:accept', async (me) => {
      const { consultationId } = consultationPayload(body);
      await this.callable(me, consultationId);
      const r = await this.calls.accept(consultationId, me.userId, socket.id);
      if (r === 'NOT_FOUND') throw callNotFound();
      if (r === 'IN_PROGRESS') throw AppException.conflict(ErrorCode.CALL_IN_PROGRESS, 'Cet appel a déjà été accepté');
      this.inCall.set(socket.id, { socket, consultationId });
      this.ns.to(r.callerSocket).emit('call:accepted', { consultationId, calleeId: me.userId });
      await this.roomEvent(me, consultationId, 'ROOM_JOINED');
      return { ok: true, status: 'accepted' };
    });
  }

  @SubscribeMessage('call:reject')
  reject(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<CallAck> {
    return this.handle(socket, 'call:reject', async (me) => {
      const { consultationId } = consultationPayload(body);
      const callerSocket = await this.calls.reject(consultationId, me.userId);
      if (!callerSocket) throw callNotFound();
      this.ns.to(callerSocket).emit('call:rejected', { consultationId });
      return { ok: true, status: 'rejected' };
    });
  }

  @SubscribeMessage('call:end')
  end(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<CallAck> {
    return this.handle(socket, 'call:end', async (me) => {
      const { consultationId } = consultationPayload(body);
      const call = await this.calls.end(consultationId, me.userId, socket.id);
      if (!call) throw callNotFound();
      this.inCall.delete(socket.id);
      this.notifyEnded(call, socket.id);
      await this.roomEvent(me, consultationId, 'ROOM_LEFT');
      return { ok: true, status: 'ended' };
    });
  }

  // ---------- W15–W17 → W22–W24 ----------

  @SubscribeMessage('webrtc:offer')
  offer(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<CallAck> {
    return this.handle(socket, 'webrtc:offer', async () => {
      const { consultationId, description } = descriptionPayload(body, 'offer');
      return this.relay(socket, consultationId, 'webrtc:offer', { consultationId, offer: description });
    });
  }

  @SubscribeMessage('webrtc:answer')
  answer(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<CallAck> {
    return this.handle(socket, 'webrtc:answer', async () => {
      const { consultationId, description } = descriptionPayload(body, 'answer');
      return this.relay(socket, consultationId, 'webrtc:answer', { consultationId, answer: description });
    });
  }

  @SubscribeMessage('webrtc:ice-candidate')
  iceCandidate(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<CallAck> {
    return this.handle(socket, 'webrtc:ice-candidate', async () => {
      const { consultationId, candidate } = candidatePayload(body);
      return this.relay(socket, consultationId, 'webrtc:ice-candidate', { consultationId, candidate });
    });
  }

  // ---------- W21 on disconnect ----------

  async handleDisconnect(socket: Socket): Promise<void> {
    const entry = this.inCall.get(socket.id);
    if (!entry) return;
    this.inCall.delete(socket.id);
    const { identity } = socket.data as AuthedSocketData;
    try {
      // a ringing callee tab that closes does not end the call: only the two call sockets do
      const call = await this.calls.end(entry.consultationId, identity.userId, socket.id, false);
      if (!call) return;
      this.notifyEnded(call, socket.id);
      if (!this.closing) await this.roomEvent(identity, entry.consultationId, 'ROOM_LEFT');
    } catch (e) {
      this.logger.warn({ message: 'call not closed on disconnect', error: (e as Error).name });
    }
  }

  // ---------- helpers ----------

  /** Participant (404 otherwise), join window and status as the room endpoint (CO8), and AUDIO format. */
  private async callable(me: Identity, consultationId: string) {
    const c = await this.access.consultationParticipant(me, consultationId);
    this.rooms.assertOpen(c);
    if (c.format !== ConsultationFormat.AUDIO) {
      throw AppException.badRequest(ErrorCode.CALL_NOT_AUDIO, "Cette consultation n'est pas un appel audio");
    }
    return c;
  }

  private async relay(socket: Socket, consultationId: string, event: string, payload: object): Promise<CallAck> {
    const call = await this.calls.get(consultationId);
    const mine = call && (call.callerSocket === socket.id || call.calleeSocket === socket.id);
    if (!call || !mine) throw callNotFound();
    if (call.status !== 'accepted' || !call.calleeSocket) {
      throw AppException.conflict(ErrorCode.CALL_NOT_ACCEPTED, "L'appel n'a pas encore été accepté : envoyez l'offre après call:accepted");
    }
    this.ns.to(call.callerSocket === socket.id ? call.calleeSocket : call.callerSocket).emit(event, payload);
    return { ok: true, status: 'relayed' };
  }

  /** W21 to the other party: its call socket, or every tab of a callee whose phone is still ringing. */
  private notifyEnded(call: CallRecord, enderSocket: string): void {
    const payload = { consultationId: call.consultationId };
    if (enderSocket !== call.callerSocket) this.ns.to(call.callerSocket).emit('call:ended', payload);
    else if (call.calleeSocket) this.ns.to(call.calleeSocket).emit('call:ended', payload);
    else this.ns.to(`user:${call.calleeUserId}`).emit('call:ended', payload);
  }

  /** ROOM_JOINED / ROOM_LEFT through the consultations module (CO12); informational, so never fails the call. */
  private async roomEvent(me: Identity, consultationId: string, event: 'ROOM_JOINED' | 'ROOM_LEFT'): Promise<void> {
    await this.ctx.runAs(me, () => this.consultations.recordRoomEvent(me, consultationId, event)).catch((e: Error) => {
      this.logger.warn({ message: 'room event not recorded', event, error: e.name });
    });
  }

  /** Runs one client event as the socket's user: rate limit, then an ack `{ ok: true, … }` or `{ ok: false, error }`. */
  private async handle(socket: Socket, event: string, fn: (me: Identity) => Promise<CallAck>): Promise<CallAck> {
    if (overLimit(socket, 'signal', this.signalLimit, SIGNAL_WINDOW_MS)) return RATE_LIMITED_ACK;
    const { identity } = socket.data as AuthedSocketData;
    try {
      return await this.ctx.runAs(identity, () => fn(identity));
    } catch (e) {
      return toErrorAck(e, event);
    }
  }

  private async watch(): Promise<void> {
    if (this.closing) return;
    for (const [socketId, { socket, consultationId }] of [...this.inCall]) {
      try {
        const call = await this.calls.get(consultationId);
        if (!call || (call.callerSocket !== socketId && call.calleeSocket !== socketId)) {
          this.inCall.delete(socketId);
          continue;
        }
        await this.calls.touch([consultationId]);
        if (call.status !== 'accepted' || !call.calleeSocket) continue;
        const [peerUser, peerSocket] = call.callerSocket === socketId ? [call.calleeUserId, call.calleeSocket] : [call.callerUserId, call.callerSocket];
        if (await this.presence.socketAlive(peerUser, peerSocket)) continue;
        // the other party's instance died without a disconnect: the call is over for this side too
        await this.calls.drop(consultationId);
        this.inCall.delete(socketId);
        socket.emit('call:ended', { consultationId });
      } catch (e) {
        this.logger.warn({ message: 'call heartbeat failed', error: (e as Error).name });
      }
    }
  }
}

function callNotFound(): AppException {
  return new AppException(HttpStatus.NOT_FOUND, ErrorCode.CALL_NOT_FOUND, 'Aucun appel en cours pour cette consultation sur cette connexion');
}
