import { Injectable, Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';

export const consultationRoom = (consultationId: string) => `consultation:${consultationId}`;

/**
 * Who is in a chat room right now, across instances: the Redis adapter's fetchSockets asks every api
 * instance for the sockets it holds in `consultation:<id>`. Set by ChatGateway once the namespace exists.
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
    try {
      const sockets = await this.namespace.in(consultationRoom(consultationId)).fetchSockets();
      return sockets.some((s) => (s.data as { identity?: { userId: string } }).identity?.userId === userId);
    } catch (e) {
      this.logger.warn({ message: 'chat room presence unknown, recipient treated as offline', error: (e as Error).name });
      return false;
    }
  }
}
