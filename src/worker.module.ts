import { Module } from '@nestjs/common';
import { CoreModule } from './core.module.js';
import { ProcessorsModule } from './worker/processors.module.js';

/** The worker process: queue processors and job schedulers, no HTTP. */
@Module({ imports: [CoreModule, ProcessorsModule] })
export class WorkerModule {}
