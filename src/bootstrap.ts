import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import compression from 'compression';
import helmet from 'helmet';
import { ClsMiddleware } from 'nestjs-cls';
import { AppModule } from './app.module.js';
import { clsMiddlewareOptions } from './core.module.js';
import { HttpExceptionFilter } from './common/errors/http-exception.filter.js';
import { AppValidationPipe, validationException } from './common/errors/validation.js';
import { AppConfig } from './config/app-config.service.js';
import { validateEnv } from './config/env.schema.js';
import { instanceHeaders } from './infra/lifecycle/drain.js';
import { createAppLogger } from './infra/logger/logger.js';
import { RedisIoAdapter } from './infra/realtime/redis-io.adapter.js';

export interface CreateAppOptions {
  /** Overrides WORKER_EMBEDDED (tests decide per instance). */
  embeddedWorker?: boolean;
  logLevels?: LogLevel[] | false;
}

const ioAdapters = new WeakMap<INestApplication, RedisIoAdapter>();

/** The port the Socket.IO server listens on (WS_PORT, or the one the OS picked for WS_PORT=0). */
export function socketPort(app: INestApplication): number | undefined {
  return ioAdapters.get(app)?.port;
}

/** Builds the api exactly as production runs it; tests use the same function. */
export async function createApp(options: CreateAppOptions = {}): Promise<INestApplication> {
  const env = validateEnv(process.env); // fail before Nest starts, with every problem listed
  const embedded = options.embeddedWorker ?? (env.WORKER_EMBEDDED === undefined ? env.NODE_ENV === 'development' : env.WORKER_EMBEDDED === 'true');
  // same rule as AppConfig.workerEmbedded; decided here because it chooses which modules exist
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ embeddedWorker: embedded }), {
    logger: options.logLevels === false ? false : createAppLogger(env.LOG_LEVEL),
    bufferLogs: true,
    // on shutdown, idle keep-alive sockets would otherwise hold server.close() open indefinitely
    forceCloseConnections: true,
  });
  const config = app.get(AppConfig);

  app.set('trust proxy', config.get('TRUST_PROXY'));
  app.use(instanceHeaders);
  app.use(new ClsMiddleware(clsMiddlewareOptions).use);
  app.use(helmet());
  app.use(compression());
  app.enableCors({ origin: config.corsOrigins, credentials: true });
  app.useBodyParser('json', { limit: '1mb' });
  app.setGlobalPrefix('api', { exclude: ['health', 'health/ready', 'metrics'] });
  app.useGlobalPipes(
    new AppValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      // no implicit conversion: it would turn the JSON string "false" into true; query DTOs convert
      // their numbers and booleans explicitly with @Type / @Transform
      transformOptions: { enableImplicitConversion: false },
      exceptionFactory: validationException,
    }),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  const ioAdapter = new RedisIoAdapter(app, {
    port: config.get('WS_PORT'),
    redisUrl: config.get('REDIS_URL'),
    prefix: config.get('REDIS_PREFIX'),
    origins: config.corsOrigins,
  });
  app.useWebSocketAdapter(ioAdapter);
  ioAdapters.set(app, ioAdapter);

  if (config.swaggerEnabled) setupSwagger(app);
  return app;
}

function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('HuntZen Care API')
      .setDescription(
        "API de la plateforme HuntZen Care. Erreurs : `{ statusCode, message, error: { code, message, details? } }`. " +
          'Chiffrement applicatif au repos (AES-256-GCM), pas de bout en bout.',
      )
      .setVersion('1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
