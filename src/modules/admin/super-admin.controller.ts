import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { AuditSearchService } from './audit-search.service.js';
import { BackupService } from './backup.service.js';
import {
  AuditLogQueryDto,
  AuditLogsResponseDto,
  BackupAcceptedDto,
  BackupStatusResponseDto,
  CompaniesUsageResponseDto,
  PlatformHealthDto,
  PlatformMetricsResponseDto,
} from './dto/admin.dto.js';
import { PlatformHealthService } from './platform-health.service.js';
import { PlatformStatsService } from './platform-stats.service.js';

/** SPEC §4.16 S1–S5: SUPER_ADMIN only. Aggregates and audit metadata; never a consultation or content. */
@ApiTags('super-admin')
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN (SUPER_ADMIN uniquement)' })
@Roles(Role.SUPER_ADMIN)
@Controller('super-admin')
export class SuperAdminController {
  constructor(
    private readonly health: PlatformHealthService,
    private readonly stats: PlatformStatsService,
    private readonly audit: AuditSearchService,
    private readonly backups: BackupService,
  ) {}

  @Get('health')
  @ApiOperation({ operationId: 'getPlatformHealth', summary: 'S1 — État de la plateforme (latences PostgreSQL, Redis, SMTP, Jitsi ; disque ; dernière sauvegarde)' })
  @ApiOkResponse({ type: PlatformHealthDto })
  getPlatformHealth(): Promise<PlatformHealthDto> {
    return this.health.check();
  }

  @Get('metrics')
  @ApiOperation({ operationId: 'getPlatformMetrics', summary: 'S2 — Indicateurs agrégés de la plateforme (comptes uniquement)' })
  @ApiOkResponse({ type: PlatformMetricsResponseDto })
  getPlatformMetrics(): Promise<PlatformMetricsResponseDto> {
    return this.stats.metrics();
  }

  @Get('companies')
  @ApiOperation({ operationId: 'listCompaniesUsage', summary: 'S3 — Entreprises et leur usage agrégé' })
  @ApiOkResponse({ type: CompaniesUsageResponseDto })
  listCompaniesUsage(): Promise<CompaniesUsageResponseDto> {
    return this.stats.companies();
  }

  @Get('audit-logs')
  @ApiOperation({ operationId: 'searchAuditLogs', summary: 'S4 — Recherche dans le journal d’audit (50 par page, plus récents d’abord, jamais de contenu)' })
  @ApiOkResponse({ type: AuditLogsResponseDto })
  searchAuditLogs(@Query() q: AuditLogQueryDto): Promise<AuditLogsResponseDto> {
    return this.audit.search(q);
  }

  @Post('backup')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ operationId: 'requestBackup', summary: 'S5 — Lancer une sauvegarde PostgreSQL (job ; 202 avec son identifiant)' })
  @ApiAcceptedResponse({ type: BackupAcceptedDto })
  requestBackup(@CurrentUser() me: Identity): Promise<BackupAcceptedDto> {
    return this.backups.request(me);
  }

  @Get('backup/:id')
  @ApiOperation({ operationId: 'getBackupStatus', summary: 'S5 — État d’une sauvegarde' })
  @ApiOkResponse({ type: BackupStatusResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async getBackupStatus(@UuidParam() id: string): Promise<BackupStatusResponseDto> {
    return { backup: await this.backups.status(id) };
  }
}
