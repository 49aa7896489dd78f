import { Module } from '@nestjs/common';
import { RetentionService } from './retention.service.js';

/** The retention purges' service, for the worker's ProcessorsModule (no HTTP). */
@Module({ providers: [RetentionService], exports: [RetentionService] })
export class RetentionModule {}
