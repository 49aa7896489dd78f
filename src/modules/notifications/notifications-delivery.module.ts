import { Global, Module } from '@nestjs/common';
import { NotificationDispatchService } from './notification-dispatch.service.js';
import { NotificationsService } from './notifications.service.js';

/** Creating and dispatching notifications, used by the api, the outbox and the worker (routes: NotificationsModule). */
@Global()
@Module({ providers: [NotificationsService, NotificationDispatchService], exports: [NotificationsService, NotificationDispatchService] })
export class NotificationsDeliveryModule {}
