import { Global, Module } from '@nestjs/common';
import { AccessService } from './access.service.js';

/** Object-level access checks, shared by every module that serves consultation-scoped resources. */
@Global()
@Module({ providers: [AccessService], exports: [AccessService] })
export class AccessModule {}
