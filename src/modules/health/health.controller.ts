import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ErrorDetailDto } from '../../common/http/api-errors.js';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../../common/auth/decorators.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { isDraining } from '../../infra/lifecycle/drain.js';
import { PrismaService } from '../../infra/prisma/prisma.service.js';
import { RedisService } from '../../infra/redis/redis.module.js';

const TIMEOUT_MS = 2000;

type Check = { status: 'up' | 'down'; latencyMs?: number; message?: string };

async function probe(fn: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS)))]);
    return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch {
    return { status: 'down', message: 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

export class LivenessDto {
  @ApiProperty({ enum: ['ok'], enumName: 'HealthOk' }) status: 'ok';
  @ApiProperty({ type: 'integer', example: 42 }) uptimeSeconds: number;
}

export class DependencyCheckDto {
  @ApiProperty({ enum: ['up', 'down'], enumName: 'DependencyStatus' }) status: 'up' | 'down';
  @ApiPropertyOptional({ type: 'number', format: 'double', example: 0.6 }) latencyMs?: number;
  @ApiPropertyOptional({ example: 'unreachable' }) message?: string;
}

export class DependencyChecksDto {
  @ApiProperty({ type: DependencyCheckDto }) postgres: DependencyCheckDto;
  @ApiProperty({ type: DependencyCheckDto }) redis: DependencyCheckDto;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ok'], enumName: 'HealthOk' }) status: 'ok';
  @ApiProperty({ type: DependencyChecksDto }) details: DependencyChecksDto;
}

export class ReadinessErrorPayloadDto {
  @ApiProperty({ enum: ['SERVICE_UNAVAILABLE'], enumName: 'ServiceUnavailableCode' }) code: 'SERVICE_UNAVAILABLE';
  @ApiProperty() message: string;
  @ApiProperty({ type: [ErrorDetailDto] }) details: ErrorDetailDto[];
}

/** The 503 of readiness: the error envelope plus the per-dependency checks. */
export class ReadinessErrorDto {
  @ApiProperty({ type: 'integer', example: 503 }) statusCode: number;
  @ApiProperty() message: string;
  @ApiProperty({ type: ReadinessErrorPayloadDto }) error: ReadinessErrorPayloadDto;
  @ApiProperty({ enum: ['error'], enumName: 'HealthError' }) status: 'error';
  @ApiProperty({ type: DependencyChecksDto }) details: DependencyChecksDto;
}

/** Liveness and readiness for orchestrators and load balancers (public, not rate limited). */
@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
  ) {}

  /** Liveness: answers as long as the process does, whatever its dependencies (a restart would not help them). */
  @Get()
  @ApiOperation({ summary: 'Vivacité : le processus répond (quelles que soient ses dépendances)' })
  @ApiOkResponse({ type: LivenessDto })
  getLiveness() {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Readiness: 503 naming each unreachable dependency; ready again by itself once they answer. */
  @Get('ready')
  @ApiOperation({ summary: 'Disponibilité : PostgreSQL et Redis répondent' })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessErrorDto, description: 'SERVICE_UNAVAILABLE : error.details nomme chaque dépendance indisponible (en-tête Retry-After)' })
  async getReadiness(@Res({ passthrough: true }) res: Response) {
    const [postgres, redis] = await Promise.all([
      probe(() => this.prisma.$queryRaw`SELECT 1`),
      // a lost connection is known without a round trip (a PING would wait for the reconnection); the
      // first connection of a process that just started is worth waiting for (up to TIMEOUT_MS)
      this.redis.available || this.redis.client.status === 'connecting' || this.redis.client.status === 'connect'
        ? probe(() => this.redis.client.ping())
        : Promise.resolve<Check>({ status: 'down', message: 'unreachable' }),
    ]);
    const details: Record<string, Check> = { postgres, redis };
    // SIGTERM received: not ready any more, so that the load balancer takes this instance out first
    if (isDraining()) details.shutdown = { status: 'down', message: 'shutting down' };
    const down = Object.entries(details).filter(([, c]) => c.status === 'down');
    if (down.length === 0) return { status: 'ok', details };
    const message = `Service non prêt : ${down.map(([name]) => name).join(', ')} indisponible`;
    res.status(HttpStatus.SERVICE_UNAVAILABLE).setHeader('Retry-After', '5');
    return {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      message,
      error: { code: ErrorCode.SERVICE_UNAVAILABLE, message, details: down.map(([field, c]) => ({ field, message: c.message ?? 'down' })) },
      status: 'error',
      details,
    };
  }
}
