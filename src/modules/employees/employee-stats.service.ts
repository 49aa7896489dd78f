import { Injectable } from '@nestjs/common';
import { SystemPrismaService } from '../../infra/prisma/prisma.service.js';
import { Period, REPORT_TIME_ZONE } from './period.js';

export interface EmployeeUsage {
  consultationCount: number;
  totalDurationMinutes: number;
}

/**
 * Per-employee usage counters for HR (SPEC §1.2-4, US-2.5): number of COMPLETED billable consultations
 * and their total duration over a period, same filters as the `employee_usage_stats` view.
 *
 * Why the system client: RLS never lets HR select a consultation row (ARCHITECTURE §4), yet HR is entitled
 * to these counters. This is report work, which ARCHITECTURE allows on the system role, and the query is
 * built so it can only ever return aggregates — count and summed duration grouped by employee — for
 * employee ids the caller already resolved under RLS, further pinned to the caller's company.
 * No practitioner, format, reason or date ever leaves this method.
 */
@Injectable()
export class EmployeeStatsService {
  constructor(private readonly system: SystemPrismaService) {}

  async forEmployees(companyId: string, employeeIds: string[], period: Period): Promise<Map<string, EmployeeUsage>> {
    const usage = new Map<string, EmployeeUsage>();
    if (employeeIds.length === 0) return usage;
    const rows = await this.system.$queryRaw<{ employee_id: string; consultation_count: number; total_minutes: number }[]>`
      SELECT c.employee_id::text AS employee_id,
             count(*)::int AS consultation_count,
             COALESCE(round(sum(c.actual_duration_seconds) / 60.0), 0)::int AS total_minutes
      FROM consultations c
      WHERE c.company_id = ${companyId}::uuid
        AND c.employee_id = ANY(${employeeIds}::uuid[])
        AND c.status = 'COMPLETED'
        AND c.is_billable
        AND c.scheduled_at >= (${period.start}::timestamp AT TIME ZONE ${REPORT_TIME_ZONE})
        AND c.scheduled_at < (${period.end}::timestamp AT TIME ZONE ${REPORT_TIME_ZONE})
      GROUP BY c.employee_id`;
    for (const r of rows) usage.set(r.employee_id, { consultationCount: r.consultation_count, totalDurationMinutes: r.total_minutes });
    return usage;
  }
}
