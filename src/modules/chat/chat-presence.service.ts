import { Injectable, Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';

export const consultationRoom = (consultationId: string) => `consultation:${consultationId}`;

/** How long a "joined" answer from the other instances is kept without news from them, and how many. */
const JOINED_TTL_MS = 10_000;
const JOINED_MAX = 10_000;
/** Server-side event (Redis adapter) an instance sends when one of its sockets leaves a chat room. */
const LEFT = 'chat:room-left';

/**
 * Who is in a chat room right now, across instances, to decide whether a message's recipient needs an
 * offline notification. This instance's own sockets answer first (no I/O); otherwise the Redis adapter's
 * fetchSockets asks every instance — a round of requests to all of them, too costly for every message — so
 * a "joined" answer is kept JOINED_TTL_MS. It is withdrawn at once when the user's socket leaves the room
 * on any instance: `left()` tells every instance (serverSideEmit) and, for chat:leave, waits for their
 * acknowledgement before the client's ack, so the next message after a leave is checked afresh. A socket
 * that disconnects tells them without waiting; an instance that dies tells nobody, and its users' entries
 * expire within JOINED_TTL_MS. Set by ChatGateway once the namespace exists.
 */
@Injectable()
export class ChatPresence {
  private readonly logger = new Logger('ChatPresence');
  private namespace?: Namespace;
  private readonly joined = new Map<string, number>();
  private readonly asking = new Map<string, Promise<boolean>>();

  attach(namespace: Namespace): void {
    this.namespace = namespace;
    namespace.on(LEFT, (payload: { consultationId?: unknown; userId?: unknown }, ack?: (ok: boolean) => void) => {
      if (typeof payload?.consultationId === 'string' && typeof payload.userId === 'string') this.forget(key(payload.consultationId, payload.userId));
      if (typeof ack === 'function') ack(true);
    });
  }

  /**
   * Broadcasts to a consultation's room through this instance's own Socket.IO server: its local sockets
   * get the event at once, the Redis adapter publishes it once for the other instances (the emitter would
   * send it to Redis and back before even this instance's sockets saw it). False when this process has no
   * /chat server (then the caller publishes through RealtimePublisher).
   */
  toRoom(consultationId: string, event: string, payload: unknown): boolean {
    if (!this.namespace) return false;
    this.namespace.to(consultationRoom(consultationId)).emit(event, payload);
    return true;
  }

  /** A socket of `userId` left the room (chat:leave, disconnect): every instance forgets its "joined" answer. */
  async left(consultationId: string, userId: string, opts: { wait: boolean }): Promise<void> {
    this.forget(key(consultationId, userId));
    if (!this.namespace) return;
    try {
      // acknowledged by every other instance, or an error after the adapter's request timeout
      const namespace = this.namespace;
      const sent = new Promise<void>((resolve) => namespace.serverSideEmit(LEFT, { consultationId, userId }, () => resolve()));
      if (opts.wait) await sent;
    } catch (e) {
      this.logger.warn({ message: 'chat room departure not announced to the other instances', error: (e as Error).name });
    }
  }

  private forget(k: string): void {
    this.joined.delete(k);
    this.asking.delete(k);
  }

  /** True when a socket of `userId` has joined the consultation's room on any instance (errors: false, so the user is notified). */
  async isJoined(consultationId: string, userId: string): Promise<boolean> {
    if (!this.namespace) return false;
    const room = consultationRoom(consultationId);
    const userOf = (data: unknown) => (data as { identity?: { userId: string } } | undefined)?.identity?.userId;
    for (const socketId of this.namespace.adapter.rooms.get(room) ?? []) {
      if (userOf(this.namespace.sockets.get(socketId)?.data) === userId) return true;
    }
    const k = key(consultationId, userId);
    const seen = this.joined.get(k);
    if (seen !== undefined && Date.now() - seen < JOINED_TTL_MS) return true;
    // one round of requests per (room, user) in flight: every message sent meanwhile shares its answer
    // (a departure drops it, so the next message after a leave asks afresh)
    let asking = this.asking.get(k);
    if (!asking) {
      const current = () => this.asking.get(k) === asking;
      asking = this.ask(room, k, userId, userOf, current).finally(() => {
        if (current()) this.asking.delete(k);
      });
      this.asking.set(k, asking);
    }
    return asking;
  }

  private async ask(room: string, k: string, userId: string, userOf: (data: unknown) => string | undefined, current: () => boolean): Promise<boolean> {
    try {
      const at = Date.now();
      const sockets = await this.namespace!.in(room).fetchSockets();
      const joined = sockets.some((s) => userOf(s.data) === userId);
      if (!current()) return joined; // the user left meanwhile: answer this message, remember nothing
      this.joined.delete(k);
      if (joined) {
        if (this.joined.size >= JOINED_MAX) this.joined.delete(this.joined.keys().next().value as string);
        this.joined.set(k, at);
      }
      return joined;
    } catch (e) {
      this.logger.warn({ message: 'chat room presence unknown, recipient treated as offline', error: (e as Error).name });
      return false;
    }
  }
}

const key = (consultationId: string, userId: string) => `${consultationId}:${userId}`;
