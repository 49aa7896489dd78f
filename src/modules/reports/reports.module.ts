import { Module } from '@nestjs/common';
import { ReportExportService } from './report-export.service.js';
import { ReportsController } from './reports.controller.js';
import { ReportsService } from './reports.service.js';

/** Counters and reports (SPEC §4.11, §6.6–6.7). The refresh processor lives in the worker (ProcessorsModule). */
@Module({
  controllers: [ReportsController],
  providers: [ReportsService, ReportExportService],
  exports: [ReportsService, ReportExportService],
})
export class ReportsModule {}
