import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request } from 'express';
import { Role } from '@prisma/client';
import { AccessTokenService } from '../../common/auth/access-token.service.js';
import { bearerToken } from '../../common/auth/jwt-auth.guard.js';
import { Public } from '../../common/auth/decorators.js';
import { AppException } from '../../common/errors/app.exception.js';
import { safeEqual } from '../../common/security/tokens.js';
import { AppConfig } from '../../config/app-config.service.js';
import { MetricsService } from './metrics.service.js';

/**
 * Prometheus scrape endpoint. Server metrics are SUPER_ADMIN-only (SPEC §2.3 #4): a SUPER_ADMIN access
 * token, or the static METRICS_TOKEN given to the scraper.
 */
@ApiTags('health')
@ApiBearerAuth()
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly tokens: AccessTokenService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Métriques Prometheus (SUPER_ADMIN ou jeton METRICS_TOKEN)' })
  @ApiProduces('text/plain; version=0.0.4; charset=utf-8')
  @ApiOkResponse({ description: 'Format d’exposition texte de Prometheus', schema: { type: 'string', example: '# HELP http_requests_total …' } })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED : jeton absent ou invalide' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN : rôle autre que SUPER_ADMIN' })
  async getMetrics(@Req() req: Request & { res?: { type(t: string): void } }): Promise<string> {
    const token = bearerToken(req);
    if (!token) throw AppException.unauthorized();
    const scrapeToken = this.config.get('METRICS_TOKEN');
    if (!(scrapeToken && safeEqual(token, scrapeToken))) {
      let role: Role | undefined;
      try {
        role = this.tokens.verifyAccess(token).role;
      } catch {
        throw AppException.unauthorized();
      }
      if (role !== Role.SUPER_ADMIN) throw AppException.forbidden();
    }
    req.res?.type(this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
