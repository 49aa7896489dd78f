import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import path from 'node:path';
import type { Identity } from '../../common/context/request-context.js';
import { AppConfig } from '../../config/app-config.service.js';
import { ClosingWorkerHost } from '../../infra/queue/closing-worker-host.js';
import { QUEUE } from '../../infra/queue/queues.js';
import type { Period } from '../employees/period.js';
import { ReportExportService, type EmployeeUsageExport } from './report-export.service.js';

export const EXPORT_JOB = 'employee-usage-csv';

export interface ExportJobData {
  /** The caller, as the request saw it: the export runs under its RLS context, and only it may fetch the file. */
  identity: Pick<Identity, 'userId' | 'role' | 'companyId' | 'employeeId' | 'practitionerId'>;
  export: Omit<EmployeeUsageExport, 'period'> & { period: Period };
  /** Expected rows, for the progress percentage. */
  total: number;
}

/** The job's file: one per job id, under REPORTS_EXPORT_DIR. */
export const exportFile = (dir: string, jobId: string) => path.resolve(dir, `${jobId.replace(/\D/g, '')}.csv`);

/**
 * Large R3/X7 exports (over REPORTS_EXPORT_ASYNC_ROWS employees): the same COPY stream as the download,
 * written to a file with the job's progress updated as lines arrive; the requester downloads it when done.
 */
@Processor(QUEUE.reportExports)
export class ReportExportProcessor extends ClosingWorkerHost {
  constructor(
    private readonly exporter: ReportExportService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job<ExportJobData>): Promise<{ rows: number }> {
    const { identity, total } = job.data;
    let last = -1;
    const rows = await this.exporter.employeeUsageToFile(exportFile(this.config.get('REPORTS_EXPORT_DIR'), job.id!), identity as Identity, job.data.export, async (n) => {
      const pct = total > 0 ? Math.min(99, Math.floor((n * 100) / total)) : 99;
      if (pct !== last) await job.updateProgress((last = pct));
    });
    await job.updateProgress(100);
    return { rows };
  }
}
