import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap.js';
import { AppConfig } from './config/app-config.service.js';
import { instanceId } from './infra/lifecycle/drain.js';
import { exitOnSignals } from './infra/lifecycle/shutdown.js';

async function main(): Promise<void> {
  const app = await createApp();
  const config = app.get(AppConfig);
  exitOnSignals(app, config.get('SHUTDOWN_GRACE_MS'), undefined, config.get('SHUTDOWN_DRAIN_MS'));
  await app.listen(config.get('PORT'));
  Logger.log(`api ${instanceId()} on :${config.get('PORT')} (REST /api, Swagger /api/docs), sockets on :${config.get('WS_PORT')}`, 'Bootstrap');
}

main().catch((e) => {
  // configuration errors list every bad variable; print them plainly and stop
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
