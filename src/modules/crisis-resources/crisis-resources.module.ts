import { Module } from '@nestjs/common';
import { CrisisResourcesController } from './crisis-resources.controller.js';
import { CrisisResourcesService } from './crisis-resources.service.js';

@Module({ controllers: [CrisisResourcesController], providers: [CrisisResourcesService] })
export class CrisisResourcesModule {}
