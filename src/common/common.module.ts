import { Global, Module } from '@nestjs/common';
import { AccessTokenService } from './auth/access-token.service.js';
import { IdentityResolver } from './auth/identity-resolver.service.js';
import { RequestContext } from './context/request-context.service.js';
import { SocketAuthService } from '../infra/realtime/socket-auth.service.js';
import { MetricsService } from '../infra/metrics/metrics.service.js';
import { RealtimePublisher } from '../infra/realtime/realtime-publisher.service.js';
import { OutboxService } from '../infra/outbox/outbox.service.js';
import { RemindersService } from '../modules/consultations/reminders.service.js';
import { NotificationDispatchService } from '../modules/notifications/notification-dispatch.service.js';
import { NotificationsService } from '../modules/notifications/notifications.service.js';

/** Request context, token verification, identity resolution and realtime publishing, shared by the api and the worker. */
@Global()
@Module({
  providers: [RequestContext, AccessTokenService, IdentityResolver, SocketAuthService, MetricsService, RealtimePublisher, NotificationsService, NotificationDispatchService, RemindersService, OutboxService],
  exports: [RequestContext, AccessTokenService, IdentityResolver, SocketAuthService, MetricsService, RealtimePublisher, NotificationsService, NotificationDispatchService, RemindersService, OutboxService],
})
export class CommonModule {}
