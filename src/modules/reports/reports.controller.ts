import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { Prisma } from '@prisma/client';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiExtraModels,
} from '@nestjs/swagger';
import { AuditAction, Role } from '@prisma/client';
import type { Queue } from 'bullmq';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { AppConfig } from '../../config/app-config.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { QUEUE } from '../../infra/queue/queues.js';
import { AuditService } from '../audit/audit.service.js';
import { parsePeriod } from '../employees/period.js';
import {
  CompanyReportDto,
  CompanyReportQueryDto,
  CompanySummaryDto,
  EmployeeUsageDetailDto,
  EmployeeUsageExportQueryDto,
  EmployeeUsageQueryDto,
  EmployeeUsageReportDto,
  ExportJobDto,
  PlatformKpisDto,
  PractitionerBillingDto,
  PractitionerBillingQueryDto,
  PractitionerExportQueryDto,
  PractitionerStatsDto,
  PractitionerStatsQueryDto,
  RefreshJobDto,
  ReportFormat,
  ReportPeriodQueryDto,
} from './dto/reports.dto.js';
import { EXPORT_JOB, exportFile, type ExportJobData } from './report-export.processor.js';
import { ReportExportService } from './report-export.service.js';
import { ReportsService } from './reports.service.js';
import { STATS_REFRESH_JOB, type StatsRefreshJob } from './stats-refresh.js';
import { WithheldDto } from './threshold.js';

const CSV = { description: 'Pièce jointe CSV UTF-8 avec BOM (format exact SPEC §6.7)', schema: { type: 'string', format: 'binary' } };
const OUT_OF_SCOPE = { description: 'NOT_FOUND (hors de mon périmètre)' };
const slug = (s: string) => s.normalize('NFD').replace(/[^\w-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'export';

/**
 * Reports (SPEC §4.11, §4.17 X5–X7, §4.19 I10). HR: per-employee counters and aggregates of its own company
 * only, never a practitioner, specialty, format, date or reason; aggregates over fewer than
 * REPORTS_MIN_GROUP_SIZE employees answer `{ withheld: true, reason: 'BELOW_THRESHOLD' }` instead of numbers.
 */
@ApiTags('reports')
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
@ApiExtraModels(WithheldDto)
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly exporter: ReportExportService,
    private readonly audit: AuditService,
    @InjectQueue(QUEUE.reports) private readonly queue: Queue,
    @InjectQueue(QUEUE.reportExports) private readonly exportQueue: Queue,
    private readonly tenant: TenantPrisma,
    private readonly config: AppConfig,
  ) {}

  @Get('employee-usage')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ operationId: 'getEmployeeUsageReport', summary: 'R1 — Compteurs par salarié de mon entreprise (nombre et durée par période ; totaux masqués sous le seuil ; format=csv ⇒ R3)' })
  @ApiAcceptedResponse({ type: ExportJobDto, description: 'Export de plus de REPORTS_EXPORT_ASYNC_ROWS salariés : tâche avec progression (GET /api/reports/exports/:jobId)' })
  @ApiOkResponse({ type: EmployeeUsageReportDto })
  @ApiProduces('application/json', 'text/csv')
  async getEmployeeUsageReport(@CurrentUser() me: Identity, @Query() q: EmployeeUsageQueryDto, @Res({ passthrough: true }) res: Response): Promise<EmployeeUsageReportDto | undefined> {
    if (q.format === ReportFormat.csv) {
      await this.exportCompany(res, me, me.companyId!, q.period, q.department);
      return undefined;
    }
    return this.reports.employeeUsage(me, q);
  }

  @Get('employee-usage/:employeeId')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ operationId: 'getEmployeeUsage', summary: 'R2 — Compteurs d’un salarié de mon entreprise sur une période' })
  @ApiOkResponse({ type: EmployeeUsageDetailDto })
  @ApiNotFoundResponse(OUT_OF_SCOPE)
  getEmployeeUsage(@CurrentUser() me: Identity, @UuidParam('employeeId') employeeId: string, @Query() q: ReportPeriodQueryDto): Promise<EmployeeUsageDetailDto> {
    return this.reports.employeeUsageOf(me, employeeId, q.period);
  }

  @Get('export-employee-usage')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ operationId: 'exportEmployeeUsage', summary: 'R3 — Export CSV des compteurs par salarié (en-tête RGPD, en flux ; audit EXPORT)' })
  @ApiAcceptedResponse({ type: ExportJobDto, description: 'Export de plus de REPORTS_EXPORT_ASYNC_ROWS salariés : tâche avec progression (GET /api/reports/exports/:jobId)' })
  @ApiProduces('text/csv')
  @ApiOkResponse(CSV)
  async exportEmployeeUsage(@CurrentUser() me: Identity, @Query() q: EmployeeUsageExportQueryDto, @Res() res: Response): Promise<void> {
    await this.exportCompany(res, me, me.companyId!, q.period, q.department);
  }

  @Get('practitioner-stats')
  @Roles(Role.PRACTITIONER, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @ApiOperation({ operationId: 'getPractitionerStats', summary: 'R4 / I10 — Compteurs d’un praticien (le mien ; un administrateur HuntZen donne practitionerId)' })
  @ApiOkResponse({ type: PractitionerStatsDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (praticien inconnu ou autre que moi)' })
  getPractitionerStats(@CurrentUser() me: Identity, @Query() q: PractitionerStatsQueryDto): Promise<PractitionerStatsDto> {
    return this.reports.practitionerStats(me, q);
  }

  @Get('practitioner-billing')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ operationId: 'getPractitionerBilling', summary: 'R5 — Mes consultations comptées (date, entreprise, durée, statut ; jamais le salarié, le motif ni les notes)' })
  @ApiOkResponse({ type: PractitionerBillingDto })
  getPractitionerBilling(@CurrentUser() me: Identity, @Query() q: PractitionerBillingQueryDto): Promise<PractitionerBillingDto> {
    return this.reports.practitionerBilling(me, q);
  }

  @Get('practitioner-export-csv')
  @Roles(Role.PRACTITIONER)
  @ApiOperation({ operationId: 'exportPractitionerBilling', summary: 'R6 — Export CSV « paie » de mes consultations comptées (en flux ; audit EXPORT)' })
  @ApiProduces('text/csv')
  @ApiOkResponse(CSV)
  async exportPractitionerBilling(@CurrentUser() me: Identity, @Query() q: PractitionerExportQueryDto, @Res() res: Response): Promise<void> {
    const period = parsePeriod(q.period);
    const p = await this.reports.practitionerName(me);
    await this.audit.record({ action: AuditAction.EXPORT, resource: 'report', resourceId: me.practitionerId, companyId: null, details: { event: 'PRACTITIONER_BILLING_EXPORT', period: period.label, format: 'csv' } });
    await this.beforeAnswering();
    await this.exporter.practitionerBilling(res, me, { practitionerName: p, period, filename: `facturation-${period.label}.csv` });
  }

  @Get('platform-kpis')
  @Roles(Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @ApiOperation({ operationId: 'getPlatformKpis', summary: 'R7 — Indicateurs de la plateforme (entreprises sous le seuil masquées dans le classement)' })
  @ApiOkResponse({ type: PlatformKpisDto })
  getPlatformKpis(@Query() q: CompanyReportQueryDto): Promise<PlatformKpisDto> {
    return this.reports.platformKpis(q);
  }

  @Get('company-summary')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ operationId: 'getCompanySummary', summary: 'X6 — Synthèse RH de mon entreprise (masquée sous le seuil ; départements au-dessus du seuil uniquement)' })
  @ApiOkResponse({ type: CompanySummaryDto })
  getCompanySummary(@CurrentUser() me: Identity, @Query() q: CompanyReportQueryDto): Promise<CompanySummaryDto> {
    return this.reports.companySummary(me, q);
  }

  @Get('companies/:companyId')
  @Roles(Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @ApiOperation({ operationId: 'getCompanyReport', summary: 'X5 — Indicateurs d’une entreprise par département (RH : la mienne ; départements sous le seuil masqués)' })
  @ApiOkResponse({ type: CompanyReportDto })
  @ApiNotFoundResponse(OUT_OF_SCOPE)
  getCompanyReport(@CurrentUser() me: Identity, @UuidParam('companyId') companyId: string, @Query() q: CompanyReportQueryDto): Promise<CompanyReportDto> {
    return this.reports.companyReport(me, companyId, q);
  }

  @Get('companies/:companyId/export')
  @Roles(Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @ApiOperation({ operationId: 'exportCompanyUsage', summary: 'X7 — Export CSV des compteurs par salarié d’une entreprise (colonnes de R3 ; audit EXPORT)' })
  @ApiAcceptedResponse({ type: ExportJobDto, description: 'Export de plus de REPORTS_EXPORT_ASYNC_ROWS salariés : tâche avec progression (GET /api/reports/exports/:jobId)' })
  @ApiProduces('text/csv')
  @ApiOkResponse(CSV)
  @ApiNotFoundResponse(OUT_OF_SCOPE)
  async exportCompanyUsage(@CurrentUser() me: Identity, @UuidParam('companyId') companyId: string, @Query() q: CompanyReportQueryDto, @Res() res: Response): Promise<void> {
    await this.exportCompany(res, me, companyId, undefined, undefined, this.reports.range(q));
  }

  @Post('refresh')
  @Roles(Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ operationId: 'refreshReportCounters', summary: 'Rafraîchir maintenant les compteurs (vues matérialisées, CONCURRENTLY) — tâche asynchrone' })
  @ApiAcceptedResponse({ type: RefreshJobDto })
  async refreshReportCounters(@CurrentUser() me: Identity): Promise<RefreshJobDto> {
    const job = await this.queue.add(STATS_REFRESH_JOB, { reason: 'on-demand', requestedBy: me.userId } satisfies StatsRefreshJob, { removeOnComplete: 100, removeOnFail: 100 });
    return { jobId: job.id!, state: await job.getState(), finishedAt: null };
  }

  @Get('refresh/:jobId')
  @Roles(Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @ApiOperation({ operationId: 'getReportRefreshJob', summary: 'État d’un rafraîchissement demandé (le mien uniquement)' })
  @ApiOkResponse({ type: RefreshJobDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inconnu ou demandé par un autre)' })
  async getReportRefreshJob(@CurrentUser() me: Identity, @Param('jobId') jobId: string): Promise<RefreshJobDto> {
    const job = /^\d{1,20}$/.test(jobId) ? await this.queue.getJob(jobId) : undefined;
    if (!job || job.name !== STATS_REFRESH_JOB || (job.data as StatsRefreshJob).requestedBy !== me.userId) throw AppException.notFound('Tâche introuvable');
    return { jobId: job.id!, state: await job.getState(), finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null };
  }

  @Get('exports/:jobId')
  @Roles(Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @ApiOperation({ operationId: 'getReportExportJob', summary: 'État et progression d’un export asynchrone (le mien uniquement)' })
  @ApiOkResponse({ type: ExportJobDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inconnu ou demandé par un autre)' })
  async getReportExportJob(@CurrentUser() me: Identity, @Param('jobId') jobId: string): Promise<ExportJobDto> {
    const job = await this.exportJobOf(me, jobId);
    return this.exportJobDto(job.id!, await job.getState(), job.progress, job.data.total);
  }

  @Get('exports/:jobId/download')
  @Roles(Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.SUPER_ADMIN)
  @ApiOperation({ operationId: 'downloadReportExport', summary: 'Télécharger le CSV d’un export asynchrone terminé (le mien uniquement)' })
  @ApiProduces('text/csv')
  @ApiOkResponse(CSV)
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inconnu ou demandé par un autre)' })
  @ApiConflictResponse({ description: 'EXPORT_NOT_READY (tâche pas encore terminée)' })
  async downloadReportExport(@CurrentUser() me: Identity, @Param('jobId') jobId: string, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const job = await this.exportJobOf(me, jobId);
    if ((await job.getState()) !== 'completed') throw AppException.conflict(ErrorCode.EXPORT_NOT_READY, 'Export pas encore terminé');
    res.setHeader('Cache-Control', 'no-store');
    return new StreamableFile(createReadStream(exportFile(this.config.get('REPORTS_EXPORT_DIR'), job.id!)), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="${job.data.export.filename}"`,
    });
  }

  private async exportJobOf(me: Identity, jobId: string) {
    const job = /^\d{1,20}$/.test(jobId) ? await this.exportQueue.getJob(jobId) : undefined;
    if (!job || job.name !== EXPORT_JOB || (job.data as ExportJobData).identity.userId !== me.userId) throw AppException.notFound('Tâche introuvable');
    return job as typeof job & { data: ExportJobData };
  }

  private exportJobDto(jobId: string, state: string, progress: unknown, total: number): ExportJobDto {
    return {
      jobId,
      state,
      progress: state === 'completed' ? 100 : typeof progress === 'number' ? progress : 0,
      total,
      downloadUrl: state === 'completed' ? `/api/reports/exports/${jobId}/download` : null,
    };
  }

  /** R3 / X7: checks scope and department before the first byte, audits, then streams (or queues a job). */
  /**
   * These exports answer through `res` themselves, so the request transaction's usual commit (before the
   * response's first value, RequestTransactionInterceptor) would come after the file: commit it — with the
   * audit EXPORT row — before answering, so no file or job leaves without its audit row, and the request
   * holds no connection while the export streams on its own pool.
   */
  private beforeAnswering(): Promise<void> {
    return this.tenant.release();
  }

  private async exportCompany(res: Response, me: Identity, companyId: string, periodLabel?: string, department?: string, range = parsePeriod(periodLabel)) {
    const company = await this.reports.company(me, companyId);
    const dept = await this.reports.department(company.id, department);
    await this.audit.record({
      action: AuditAction.EXPORT,
      resource: 'report',
      resourceId: company.id,
      companyId: company.id,
      details: { event: 'EMPLOYEE_USAGE_EXPORT', period: range.label, department: dept, format: 'csv' },
    });
    const spec = {
      companyId: company.id,
      companyName: company.name,
      period: range,
      department: dept,
      minGroup: this.reports.minGroup,
      filename: `utilisation-${slug(company.name)}-${range.label.replace('/', '_')}.csv`,
    };
    const asyncRows = this.config.get('REPORTS_EXPORT_ASYNC_ROWS');
    const [{ n }] = asyncRows > 0 ? await this.tenant.queryRaw<{ n: number }[]>(Prisma.sql`SELECT report_company_size(${company.id}::uuid, ${dept}::text) AS n`) : [{ n: 0 }];
    await this.beforeAnswering();
    if (asyncRows > 0 && n > asyncRows) {
      const data: ExportJobData = { identity: { userId: me.userId, role: me.role, companyId: me.companyId, employeeId: me.employeeId, practitionerId: me.practitionerId }, export: spec, total: n };
      const job = await this.exportQueue.add(EXPORT_JOB, data, { removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } });
      res.status(HttpStatus.ACCEPTED).json(this.exportJobDto(job.id!, 'waiting', 0, n));
      return;
    }
    await this.exporter.employeeUsage(res, me, spec);
  }
}
