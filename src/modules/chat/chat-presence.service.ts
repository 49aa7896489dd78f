import { Injectable, Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';

export const consultationRoom = (consultationId: string) => `consultation:${consultationId}`;

/**
 * Who is in a chat room right now, across instances, to decide whether a message's recipient needs an
 * offline notification. This instance's own sockets answer first (no I/O); otherwise the Redis adapter's
 * fetchSockets asks every instance (a round of requests to all of them; not cached, so a recipient who
 * just left is notified of the next message). Set by ChatGateway once the namespace exists.
 */
@Injectable()
export class ChatPresence {
  private readonly logger = new Logger('ChatPresence');
  private namespace?: Namespace;

  attach(namespace: Namespace): void {
    this.namespace = namespace;
  }

  /** True when a socket of `userId` has joined the consultation's room on any instance (errors: false, so the user is notified). */
  async isJoined(consultationId: string, userId: string): Promise<boolean> {
    if (!this.namespace) return false;
    const room = consultationRoom(consultationId);
    const userOf = (data: unknown) => (data as { identity?: { userId: string } } | undefined)?.identity?.userId;
    for (const socketId of this.namespace.adapter.rooms.get(room) ?? []) {
      if (userOf(this.namespace.sockets.get(socketId)?.data) === userId) return true;
    }
    try {
      const sockets = await this.namespace.in(room).fetchSockets();
      return sockets.some((s) => userOf(s.data) === userId);
    } catch (e) {
      this.logger.warn({ message: 'chat room presence unknown, recipient treated as offline', error: (e as Error).name });
      return false;
    }
  }
}
