import { Global, Module } from '@nestjs/common';
import { NotificationsController } from './notifications.controller.js';
import { NotificationsGateway } from './notifications.gateway.js';

/** NO1–NO4 and the `/notifications` socket namespace (api only). NotificationsService is in NotificationsDeliveryModule. */
@Global()
@Module({ controllers: [NotificationsController], providers: [NotificationsGateway], exports: [NotificationsGateway] })
export class NotificationsModule {}
