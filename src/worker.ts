import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { validateEnv } from './config/env.schema.js';
import { startHeartbeat } from './infra/lifecycle/heartbeat.js';
import { exitOnSignals } from './infra/lifecycle/shutdown.js';
import { createAppLogger } from './infra/logger/logger.js';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  const env = validateEnv(process.env);
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: createAppLogger(env.LOG_LEVEL) });
  // SIGTERM: workers finish their current job, then close, within the grace period
  exitOnSignals(app, env.SHUTDOWN_GRACE_MS);
  startHeartbeat();
  Logger.log('worker started', 'Bootstrap');
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
