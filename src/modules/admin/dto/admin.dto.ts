import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AuditAction, BackupStatus, Role } from '@prisma/client';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, Min } from 'class-validator';
import { Trim } from '../../../common/http/transforms.js';

export enum ServiceState {
  up = 'up',
  down = 'down',
}
export enum PlatformHealthStatus {
  healthy = 'healthy',
  degraded = 'degraded',
}

export class ServiceCheckDto {
  @ApiProperty({ enum: ServiceState, enumName: 'ServiceState' }) status: ServiceState;
  @ApiProperty({ type: 'number', nullable: true, description: 'Latence en millisecondes (null si injoignable)' }) latency: number | null;
}
export class PostgresCheckDto extends ServiceCheckDto {
  @ApiProperty({ type: 'integer', nullable: true, description: 'Connexions ouvertes sur la base' }) connections: number | null;
}
export class RedisCheckDto extends ServiceCheckDto {
  @ApiProperty({ type: 'integer', nullable: true, description: 'Mémoire utilisée par Redis, en octets' }) memoryUsed: number | null;
}
export class JitsiCheckDto {
  @ApiProperty({ enum: ServiceState, enumName: 'ServiceState' }) status: ServiceState;
  @ApiProperty({ type: 'number', nullable: true, description: 'Temps de réponse HTTP en millisecondes' }) ping: number | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Version annoncée (en-tête Server), si publiée' }) version: string | null;
}
export class HealthServicesDto {
  @ApiProperty({ type: ServiceCheckDto }) api: ServiceCheckDto;
  @ApiProperty({ type: PostgresCheckDto }) postgres: PostgresCheckDto;
  @ApiProperty({ type: RedisCheckDto }) redis: RedisCheckDto;
  @ApiProperty({ type: ServiceCheckDto }) smtp: ServiceCheckDto;
  @ApiProperty({ type: JitsiCheckDto }) jitsi: JitsiCheckDto;
}
export class ServerUsageDto {
  @ApiProperty({ description: 'Charge CPU (moyenne 1 min / cœurs), en %' }) cpuUsage: number;
  @ApiProperty({ description: 'Mémoire utilisée, en %' }) memoryUsage: number;
  @ApiProperty({ type: 'number', nullable: true, description: 'Disque occupé du stockage des fichiers, en % (seuil 90 %)' }) diskUsage: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Octets libres du stockage des fichiers' }) diskFreeBytes: number | null;
}
export class LastBackupDto {
  @ApiProperty({ type: 'string', format: 'date-time' }) date: string;
  @ApiProperty({ enum: BackupStatus, enumName: 'BackupStatus' }) status: BackupStatus;
}
export class PlatformHealthDto {
  @ApiProperty({ enum: PlatformHealthStatus, enumName: 'PlatformHealthStatus' }) status: PlatformHealthStatus;
  @ApiProperty({ type: 'string', format: 'date-time' }) timestamp: string;
  @ApiProperty({ type: 'integer', description: 'Secondes depuis le démarrage du processus' }) uptime: number;
  @ApiProperty({ type: HealthServicesDto }) services: HealthServicesDto;
  @ApiProperty({ type: ServerUsageDto }) server: ServerUsageDto;
  @ApiProperty({ type: LastBackupDto, nullable: true }) lastBackup: LastBackupDto | null;
}

export class PlatformMetricsValuesDto {
  @ApiProperty({ type: 'integer' }) companies: number;
  @ApiProperty({ type: 'integer' }) activeCompanies: number;
  @ApiProperty({ type: 'integer' }) users: number;
  @ApiProperty({ type: 'integer' }) employees: number;
  @ApiProperty({ type: 'integer' }) practitioners: number;
  @ApiProperty({ type: 'integer' }) validatedPractitioners: number;
  @ApiProperty({ type: 'integer' }) consultations: number;
  @ApiProperty({ type: 'integer' }) completedConsultations: number;
  @ApiProperty({ type: 'integer' }) cancelledConsultations: number;
  @ApiProperty({ type: 'integer' }) noShowConsultations: number;
  @ApiProperty({ type: 'integer' }) upcomingConsultations: number;
  @ApiProperty({ type: 'integer', description: 'Durée totale des séances terminées, en minutes (SPEC §6.6)' }) completedMinutes: number;
}
export class PlatformMetricsResponseDto {
  @ApiProperty({ type: PlatformMetricsValuesDto }) metrics: PlatformMetricsValuesDto;
  @ApiProperty({ type: 'string', format: 'date-time' }) generatedAt: string;
}

export class CompanyUsageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ type: 'string', format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: 'integer' }) employees: number;
  @ApiProperty({ type: 'integer' }) activeEmployees: number;
  @ApiProperty({ type: 'integer' }) consultations: number;
  @ApiProperty({ type: 'integer' }) completedConsultations: number;
  @ApiProperty({ type: 'integer' }) cancelledConsultations: number;
  @ApiProperty({ type: 'integer', description: 'Minutes de séances terminées' }) completedMinutes: number;
}
export class CompaniesUsageResponseDto {
  @ApiProperty({ type: [CompanyUsageDto] }) companies: CompanyUsageDto[];
  @ApiProperty({ type: 'integer' }) total: number;
}

export class AuditLogQueryDto {
  @ApiPropertyOptional({ enum: AuditAction, enumName: 'AuditAction' }) @IsOptional() @IsEnum(AuditAction) action?: AuditAction;
  @ApiPropertyOptional({ maxLength: 100 }) @IsOptional() @Trim() @IsString() @MaxLength(100) resource?: string;
  @ApiPropertyOptional({ maxLength: 100, description: "Identifiant de l'auteur (ou « system »)" }) @IsOptional() @Trim() @IsString() @MaxLength(100) userId?: string;
  @ApiPropertyOptional({ maxLength: 320, description: "E-mail de l'auteur (sans distinction de casse)" }) @IsOptional() @Trim() @IsString() @MaxLength(320) email?: string;
  @ApiPropertyOptional({ enum: Role, enumName: 'Role' }) @IsOptional() @IsEnum(Role) role?: Role;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() companyId?: string;
  @ApiPropertyOptional({ type: 'string', format: 'date-time' }) @IsOptional() @IsISO8601({ strict: true }) startDate?: string;
  @ApiPropertyOptional({ type: 'string', format: 'date-time' }) @IsOptional() @IsISO8601({ strict: true }) endDate?: string;
  @ApiPropertyOptional({ maxLength: 200, description: "Recherche : identifiant d'auteur ou de ressource (exact), e-mail (partiel)" })
  @IsOptional() @Trim() @IsString() @MaxLength(200) q?: string;
  @ApiPropertyOptional({ type: 'integer', default: 1, minimum: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page: number = 1;
}

export class AuditLogDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: 'string', format: 'date-time' }) timestamp: string;
  @ApiProperty() userId: string;
  @ApiProperty({ type: 'string', nullable: true }) userEmail: string | null;
  @ApiProperty({ enum: Role, enumName: 'Role', nullable: true }) userRole: Role | null;
  @ApiProperty({ enum: AuditAction, enumName: 'AuditAction' }) action: AuditAction;
  @ApiProperty() resource: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'null quand la ligne est masquée (redacted)' }) resourceId: string | null;
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true }) companyId: string | null;
  @ApiProperty({ type: 'string', nullable: true }) ipAddress: string | null;
  @ApiProperty({ type: 'string', nullable: true }) userAgent: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Colonnes non sensibles (liste blanche) ; null si masqué' }) changesBefore: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) changesAfter: Record<string, unknown> | null;
  @ApiProperty({ description: 'Ligne médicale ou lecture des données d’une personne : ressource et changements masqués (qui a vu qui)' }) redacted: boolean;
}
export class AuditLogsResponseDto {
  @ApiProperty({ type: [AuditLogDto] }) logs: AuditLogDto[];
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: 'integer' }) page: number;
  @ApiProperty({ type: 'integer' }) pages: number;
}

export class BackupDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: BackupStatus, enumName: 'BackupStatus' }) status: BackupStatus;
  @ApiProperty({ type: 'string', format: 'date-time' }) startedAt: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) finishedAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Taille du fichier chiffré, en octets' }) sizeBytes: number | null;
  @ApiProperty({ description: 'Le fichier est chiffré (AES-256-GCM, clé enveloppée par la clé maître)' }) encrypted: boolean;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
}
export class BackupAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'Identifiant du job (= identifiant de la sauvegarde)' }) jobId: string;
  @ApiProperty({ type: BackupDto }) backup: BackupDto;
}
export class BackupStatusResponseDto {
  @ApiProperty({ type: BackupDto }) backup: BackupDto;
}
