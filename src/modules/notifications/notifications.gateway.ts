import { OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import { RealtimePublisher } from '../../infra/realtime/realtime-publisher.service.js';
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
 * `/notifications` namespace (SPEC §5.4): the handshake authenticates and puts each socket in
 * `user:<userId>`. Pushes go through RealtimePublisher, so they work from any instance or the worker.
 */
@WebSocketGateway({ namespace: '/notifications' })
export class NotificationsGateway implements OnGatewayInit {
  constructor(
    private readonly auth: SocketAuthService,
    private readonly publisher: RealtimePublisher,
  ) {}

  afterInit(namespace: Namespace): void {
    this.auth.guard(namespace);
  }

  push(userId: string, notification: NotificationPush): void {
    this.publisher.toUser('/notifications', userId, 'notification:new', notification);
  }

  /** Closes every socket of `userId` on every instance (deactivation, deletion). */
  disconnectUser(userId: string): void {
    this.publisher.disconnectUser(userId);
  }
}
