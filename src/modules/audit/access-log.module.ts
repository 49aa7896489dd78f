import { Module } from '@nestjs/common';
import { AccessLogController } from './access-log.controller.js';
import { AccessLogService } from './access-log.service.js';

/** GET /api/users/me/access-log (the api only; AuditModule itself is shared with the worker). */
@Module({ controllers: [AccessLogController], providers: [AccessLogService] })
export class AccessLogModule {}
