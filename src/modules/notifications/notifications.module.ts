import { Global, Module } from '@nestjs/common';
import { NotificationsGateway } from './notifications.gateway.js';
import { NotificationsService } from './notifications.service.js';

@Global()
@Module({ providers: [NotificationsGateway, NotificationsService], exports: [NotificationsGateway, NotificationsService] })
export class NotificationsModule {}
