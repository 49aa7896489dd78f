import { Global, Module } from '@nestjs/common';
import { AuditService, SecurityEventService } from './audit.service.js';

@Global()
@Module({ providers: [AuditService, SecurityEventService], exports: [AuditService, SecurityEventService] })
export class AuditModule {}
