import { OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import { SocketAuthService } from '../../infra/realtime/socket-auth.service.js';

export interface NotificationPush {
  id: string;
  type: string;
  title: string;
  message: string;
  linkUrl: string | null;
  createdAt: Date;
}

/**
 * `/notifications` namespace (SPEC §5.4): every authenticated socket sits in `user:<userId>`, and
 * `push` reaches that user's sockets on any api instance through the Redis adapter.
 */
@WebSocketGateway({ namespace: '/notifications' })
export class NotificationsGateway implements OnGatewayInit {
  @WebSocketServer() private namespace: Namespace;

  constructor(private readonly auth: SocketAuthService) {}

  afterInit(namespace: Namespace): void {
    this.auth.guard(namespace);
  }

  push(userId: string, notification: NotificationPush): void {
    this.namespace.to(`user:${userId}`).emit('notification:new', notification);
  }

  /** Closes every socket of `userId` on every instance (deactivation, deletion). */
  disconnectUser(userId: string): void {
    this.namespace.in(`user:${userId}`).disconnectSockets(true);
  }
}
