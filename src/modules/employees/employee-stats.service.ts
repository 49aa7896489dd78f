import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { Period, REPORT_TIME_ZONE } from './period.js';

export interface EmployeeUsage {
  consultationCount: number;
  totalDurationMinutes: number;
}

/**
 * Per-employee usage counters for HR (SPEC §1.2-4, US-2.5): number of COMPLETED billable consultations
 * and their total duration over a period, same filters as the `employee_usage_stats` view.
 *
 * RLS never lets HR select a consultation row (ARCHITECTURE §4), yet HR is entitled to these counters:
 * the SECURITY DEFINER function `employee_usage_counts` returns them to an ADMIN_RH caller only, for
 * employees of the caller's own company (it checks app_role() and app_company_id() itself). No
 * practitioner, format, reason or date ever leaves the database.
 */
@Injectable()
export class EmployeeStatsService {
  constructor(private readonly tenant: TenantPrisma) {}

  /** Pass the caller's transaction to count in it (no second pooled connection). */
  async forEmployees(employeeIds: string[], period: Period, tx?: TenantTx): Promise<Map<string, EmployeeUsage>> {
    const usage = new Map<string, EmployeeUsage>();
    if (employeeIds.length === 0) return usage;
    type Row = { employee_id: string; consultation_count: number; total_minutes: number };
    const query = Prisma.sql`
      SELECT employee_id::text AS employee_id, consultation_count, total_duration_minutes AS total_minutes
      FROM employee_usage_counts(${employeeIds}::uuid[],
                                 (${period.start}::timestamp AT TIME ZONE ${REPORT_TIME_ZONE}),
                                 (${period.end}::timestamp AT TIME ZONE ${REPORT_TIME_ZONE}))`;
    const rows = await (tx ? tx.$queryRaw<Row[]>(query) : this.tenant.queryRaw<Row[]>(query));
    for (const r of rows) usage.set(r.employee_id, { consultationCount: r.consultation_count, totalDurationMinutes: r.total_minutes });
    return usage;
  }
}
