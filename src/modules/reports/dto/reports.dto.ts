import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsEnum, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { Trim } from '../../../common/http/transforms.js';
import { PageInfoDto, PaginationQueryDto } from '../../../common/pagination/pagination.js';
import { PERIOD_PATTERN } from '../../employees/period.js';
import { WithheldDto } from '../threshold.js';

const PERIOD_MESSAGE = 'période attendue : YYYY-MM, YYYY-Qn ou YYYY';
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** `?period=` (month, quarter or year in Europe/Paris; default the current month). */
export class ReportPeriodQueryDto {
  @ApiPropertyOptional({ example: '2025-01', description: 'YYYY-MM, YYYY-Qn ou YYYY (Europe/Paris) ; défaut : mois en cours' })
  @IsOptional() @Matches(PERIOD_PATTERN, { message: PERIOD_MESSAGE })
  period?: string;
}

/** X5–X7 also accept `from`/`to` as months (SPEC §11 A7), inclusive; `period` wins when both are given. */
export class CompanyReportQueryDto extends ReportPeriodQueryDto {
  @ApiPropertyOptional({ example: '2025-01', description: 'Premier mois inclus (YYYY-MM), avec `to`' })
  @IsOptional() @Matches(MONTH, { message: 'mois attendu : YYYY-MM' })
  from?: string;

  @ApiPropertyOptional({ example: '2025-03', description: 'Dernier mois inclus (YYYY-MM), avec `from`' })
  @IsOptional() @Matches(MONTH, { message: 'mois attendu : YYYY-MM' })
  to?: string;
}

export enum ReportFormat {
  json = 'json',
  csv = 'csv',
}

export class EmployeeUsageQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: '2025-01', description: 'YYYY-MM, YYYY-Qn ou YYYY (Europe/Paris) ; défaut : mois en cours' })
  @IsOptional() @Matches(PERIOD_PATTERN, { message: PERIOD_MESSAGE })
  period?: string;

  @ApiPropertyOptional({ example: 'Développement' })
  @IsOptional() @Trim() @IsString() @MinLength(1) @MaxLength(100)
  department?: string;

  @ApiPropertyOptional({ enum: ReportFormat, enumName: 'ReportFormat', description: 'csv : même fichier que R3' })
  @IsOptional() @IsEnum(ReportFormat)
  format?: ReportFormat;
}

export class EmployeeUsageExportQueryDto extends ReportPeriodQueryDto {
  @ApiPropertyOptional({ example: 'Développement' })
  @IsOptional() @Trim() @IsString() @MinLength(1) @MaxLength(100)
  department?: string;

  @ApiPropertyOptional({ enum: ['csv'], enumName: 'CsvOnlyFormat', description: 'Seul format : csv' })
  @IsOptional() @IsIn(['csv'])
  format?: 'csv';
}

export class PractitionerStatsQueryDto extends ReportPeriodQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'I10 — ADMIN_HUNTZEN / SUPER_ADMIN : praticien concerné (obligatoire pour eux, refusé aux praticiens)' })
  @IsOptional() @IsUUID('all', { message: 'identifiant invalide (UUID attendu)' })
  practitionerId?: string;
}

export class PractitionerExportQueryDto extends ReportPeriodQueryDto {
  @ApiPropertyOptional({ enum: ['csv'], enumName: 'CsvOnlyFormat', description: 'Seul format : csv' })
  @IsOptional() @IsIn(['csv'])
  format?: 'csv';
}

export class PractitionerBillingQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: '2025-01', description: 'YYYY-MM, YYYY-Qn ou YYYY (Europe/Paris) ; défaut : mois en cours' })
  @IsOptional() @Matches(PERIOD_PATTERN, { message: PERIOD_MESSAGE })
  period?: string;
}

// ─── responses ───

export class UsageTotalsDto {
  @ApiProperty({ type: 'integer' }) employeeCount: number;
  @ApiProperty({ type: 'integer' }) consultationCount: number;
  @ApiProperty({ type: 'integer' }) totalDurationMinutes: number;
  @ApiProperty({ type: 'integer' }) totalDurationSeconds: number;
}

export class EmployeeUsageRowDto {
  @ApiProperty({ format: 'uuid' }) employeeId: string;
  @ApiProperty({ example: 'Marc Dupont' }) employeeName: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'Développement' }) department: string | null;
  @ApiProperty({ type: 'integer', example: 3 }) consultationCount: number;
  @ApiProperty({ type: 'integer', example: 153 }) totalDurationMinutes: number;
  @ApiProperty({ type: 'integer', example: 9180 }) totalDurationSeconds: number;
}

@ApiExtraModels(UsageTotalsDto, WithheldDto)
export class EmployeeUsageReportDto extends PageInfoDto {
  @ApiProperty({ example: '2025-01' }) period: string;
  @ApiProperty({ type: [EmployeeUsageRowDto] }) employees: EmployeeUsageRowDto[];
  @ApiProperty({
    description: 'Totaux de la liste filtrée, masqués sous le seuil',
    oneOf: [{ $ref: getSchemaPath(UsageTotalsDto) }, { $ref: getSchemaPath(WithheldDto) }],
  })
  totals: UsageTotalsDto | WithheldDto;
  @ApiProperty() notice: string;
}

export class EmployeeUsageDetailDto extends EmployeeUsageRowDto {
  @ApiProperty({ example: '2025-Q1' }) period: string;
}

export class CompanyUsageDto {
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty() companyName: string;
  @ApiProperty({ type: 'integer', description: 'Consultations comptées' }) count: number;
  @ApiProperty({ type: 'integer', description: 'Durée totale (min)' }) duration: number;
  @ApiProperty({ type: 'integer' }) totalDurationSeconds: number;
}

export class PractitionerStatsDto {
  @ApiProperty({ example: '2025-01' }) period: string;
  @ApiProperty({ format: 'uuid' }) practitionerId: string;
  @ApiProperty({ type: 'integer', example: 3 }) consultationCount: number;
  @ApiProperty({ type: 'integer', example: 153 }) totalDurationMinutes: number;
  @ApiProperty({ type: 'integer', example: 9180 }) totalDurationSeconds: number;
  @ApiProperty({ type: 'number', example: 51, description: 'Une décimale' }) avgDurationMinutes: number;
  @ApiProperty({ type: [CompanyUsageDto] }) byCompany: CompanyUsageDto[];
}

export class BillingLineDto {
  @ApiProperty({ example: '2025-01-05', description: 'Jour (Europe/Paris)' }) date: string;
  @ApiProperty() companyName: string;
  @ApiProperty({ type: 'integer', example: 50 }) durationMinutes: number;
  @ApiProperty({ example: 'COMPLETED' }) status: string;
  @ApiProperty({ example: 'VALIDATED' }) billingStatus: string;
}

export class PractitionerBillingDto extends PageInfoDto {
  @ApiProperty({ example: '2025-01' }) period: string;
  @ApiProperty({ type: [BillingLineDto] }) consultations: BillingLineDto[];
}

export class PeriodRangeDto {
  @ApiProperty({ example: '2025-01' }) label: string;
  @ApiProperty({ example: '2025-01-01', description: 'Premier jour inclus' }) from: string;
  @ApiProperty({ example: '2025-02-01', description: 'Premier jour exclu' }) to: string;
}

export class CompanyKpisDto {
  @ApiProperty({ type: 'integer', description: 'Salariés au compte actif' }) totalEmployees: number;
  @ApiProperty({ type: 'integer', description: 'Salariés avec ≥ 1 consultation sur la période' }) activeEmployees: number;
  @ApiProperty({ type: 'number', example: 0.35 }) usageRate: number;
  @ApiProperty({ type: 'integer' }) consultationCount: number;
  @ApiProperty({ type: 'integer' }) totalDurationSeconds: number;
  @ApiProperty({ type: 'integer' }) totalDurationMinutes: number;
  @ApiProperty({ type: 'number' }) averageDurationMinutes: number;
}

export class DepartmentKpisDto {
  @ApiProperty({ type: 'string', nullable: true }) department: string | null;
  @ApiProperty({ type: 'integer' }) employeeCount: number;
  @ApiProperty({ type: 'integer' }) activeCount: number;
  @ApiProperty({ type: 'integer' }) consultationCount: number;
  @ApiProperty({ type: 'number' }) usageRate: number;
}

export class WithheldDepartmentDto extends WithheldDto {
  @ApiProperty({ type: 'string', nullable: true }) department: string | null;
}

@ApiExtraModels(CompanyKpisDto, WithheldDto, DepartmentKpisDto, WithheldDepartmentDto)
export class CompanyReportDto {
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty() companyName: string;
  @ApiProperty({ type: PeriodRangeDto }) period: PeriodRangeDto;
  @ApiProperty({ oneOf: [{ $ref: getSchemaPath(CompanyKpisDto) }, { $ref: getSchemaPath(WithheldDto) }] })
  summary: CompanyKpisDto | WithheldDto;
  @ApiProperty({ type: 'array', items: { oneOf: [{ $ref: getSchemaPath(DepartmentKpisDto) }, { $ref: getSchemaPath(WithheldDepartmentDto) }] } })
  byDepartment: (DepartmentKpisDto | WithheldDepartmentDto)[];
}

export class RhSummaryDto {
  @ApiProperty({ type: 'integer' }) totalEmployees: number;
  @ApiProperty({ type: 'integer' }) activeEmployees: number;
  @ApiProperty({ type: 'number' }) usageRate: number;
  @ApiProperty({ type: 'integer' }) totalConsultations: number;
  @ApiProperty({ type: 'number', description: 'Une décimale' }) totalDurationHours: number;
  @ApiProperty({ type: 'number' }) averageDurationMinutes: number;
}

export class TopDepartmentDto {
  @ApiProperty({ type: 'string', nullable: true }) department: string | null;
  @ApiProperty({ type: 'number' }) usageRate: number;
  @ApiProperty({ type: 'integer' }) consultationCount: number;
}

@ApiExtraModels(RhSummaryDto, WithheldDto)
export class CompanySummaryDto {
  @ApiProperty({ type: PeriodRangeDto }) period: PeriodRangeDto;
  @ApiProperty({ oneOf: [{ $ref: getSchemaPath(RhSummaryDto) }, { $ref: getSchemaPath(WithheldDto) }] })
  summary: RhSummaryDto | WithheldDto;
  @ApiProperty({ type: [TopDepartmentDto], description: 'Départements au-dessus du seuil uniquement, par taux d’usage' })
  topDepartments: TopDepartmentDto[];
}

export class CompanyRankingDto {
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty() companyName: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Rang (null si masqué)' }) rank: number | null;
  @ApiProperty({ oneOf: [{ $ref: getSchemaPath(CompanyKpisDto) }, { $ref: getSchemaPath(WithheldDto) }] })
  usage: CompanyKpisDto | WithheldDto;
}

export class SatisfactionDto {
  @ApiProperty({ type: 'number', nullable: true, example: 4.6 }) averageRating: number | null;
  @ApiProperty({ type: 'integer' }) reviewCount: number;
}

@ApiExtraModels(CompanyKpisDto, WithheldDto)
export class PlatformKpisDto {
  @ApiProperty({ type: PeriodRangeDto }) period: PeriodRangeDto;
  @ApiProperty({ type: 'integer' }) activeCompanies: number;
  @ApiProperty({ type: 'integer' }) activePractitioners: number;
  @ApiProperty({ type: 'integer', description: 'Consultations comptées (terminées, facturables)' }) consultationCount: number;
  @ApiProperty({ type: 'integer' }) totalDurationMinutes: number;
  @ApiProperty({ type: 'number' }) averageDurationMinutes: number;
  @ApiProperty({ type: 'number', nullable: true, description: 'Terminées ÷ (terminées + annulées + absences)' }) completionRate: number | null;
  @ApiProperty({ type: SatisfactionDto }) satisfaction: SatisfactionDto;
  @ApiProperty({ type: [CompanyRankingDto] }) companies: CompanyRankingDto[];
}

export class ExportJobDto {
  @ApiProperty() jobId: string;
  @ApiProperty({ example: 'active', description: 'waiting | delayed | active | completed | failed' }) state: string;
  @ApiProperty({ type: 'integer', example: 42, description: 'Pourcentage (0–100)' }) progress: number;
  @ApiProperty({ type: 'integer', description: 'Lignes attendues' }) total: number;
  @ApiProperty({ type: 'string', nullable: true, example: '/api/reports/exports/12/download', description: 'Quand la tâche est terminée' }) downloadUrl: string | null;
}

export class RefreshJobDto {
  @ApiProperty() jobId: string;
  @ApiProperty({ example: 'waiting' }) state: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) finishedAt: string | null;
}
