import { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import compression from 'compression';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { ClsMiddleware } from 'nestjs-cls';
import { AppModule } from './app.module.js';
import { clsMiddlewareOptions } from './core.module.js';
import { buildAsyncApiDocument } from './common/openapi/asyncapi-document.js';
import { buildOpenApiDocument } from './common/openapi/openapi-document.js';
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
  // helmet's CSP has `upgrade-insecure-requests`: served over plain http (no TLS in front), it would send a
  // browser's asset requests to https and leave Swagger UI blank. Only a request that arrived over TLS, or
  // through a trusted proxy (TRUST_PROXY) saying X-Forwarded-Proto: https, gets it (and HSTS). Nor does plain
  // http get Cross-Origin-Opener-Policy: browsers ignore it on an http origin and log an error for every page.
  const overTls = helmet();
  const plainHttp = helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    strictTransportSecurity: false,
    crossOriginOpenerPolicy: false,
  });
  app.use((req: Request, res: Response, next: NextFunction) => (req.secure ? overTls : plainHttp)(req, res, next));
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
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    // the token survives a reload of the page (kept in the browser's localStorage)
    swaggerOptions: { persistAuthorization: true, displayOperationId: true },
    customSiteTitle: 'HuntZen Care API',
  });
  const asyncApi = buildAsyncApiDocument();
  app.getHttpAdapter().get('/api/docs-asyncapi.json', (_req: Request, res: Response) => res.json(asyncApi));
}
