import { Module } from '@nestjs/common';
import { AuditSearchService } from './audit-search.service.js';
import { BackupService } from './backup.service.js';
import { PlatformHealthService } from './platform-health.service.js';
import { PlatformStatsService } from './platform-stats.service.js';
import { SuperAdminController } from './super-admin.controller.js';
import { BackupRunner } from './backup-runner.service.js';

/** SPEC §4.16 S1–S5 (HTTP). */
@Module({ controllers: [SuperAdminController], providers: [PlatformHealthService, PlatformStatsService, AuditSearchService, BackupService] })
export class AdminModule {}

/** The backup job's runner, for the worker's ProcessorsModule (no HTTP). */
@Module({ providers: [BackupRunner], exports: [BackupRunner] })
export class BackupRunnerModule {}
