import { Injectable } from '@nestjs/common';
import { Prisma } from '@prisma/client';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { CompaniesUsageResponseDto, PlatformMetricsResponseDto } from './dto/admin.dto.js';

type Big = bigint | number;
const n = (v: Big) => Number(v);
/** SPEC §6.6: minutes from the seconds that are the source of truth. */
const minutes = (seconds: Big) => Math.round(Number(seconds) / 60);

/**
 * S2 and S3: platform counts through SECURITY DEFINER functions that return aggregates only (SUPER_ADMIN
 * has no SELECT on consultations): no consultation row, practitioner, date or content ever leaves them.
 */
@Injectable()
export class PlatformStatsService {
  constructor(private readonly tenant: TenantPrisma) {}

  async metrics(): Promise<PlatformMetricsResponseDto> {
    const [r] = await this.tenant.queryRaw<Record<string, Big>[]>(Prisma.sql`SELECT * FROM platform_metrics()`);
    return {
      metrics: {
        companies: n(r.companies),
        activeCompanies: n(r.active_companies),
        users: n(r.users),
        employees: n(r.employees),
        practitioners: n(r.practitioners),
        validatedPractitioners: n(r.validated_practitioners),
        consultations: n(r.consultations),
        completedConsultations: n(r.completed_consultations),
        cancelledConsultations: n(r.cancelled_consultations),
        noShowConsultations: n(r.no_show_consultations),
        upcomingConsultations: n(r.upcoming_consultations),
        completedMinutes: minutes(r.completed_seconds),
      },
      generatedAt: new Date().toISOString(),
    };
  }

  async companies(): Promise<CompaniesUsageResponseDto> {
    const rows = await this.tenant.queryRaw<
      { company_id: string; name: string; is_active: boolean; created_at: Date; employees: Big; active_employees: Big; consultations: Big; completed_consultations: Big; cancelled_consultations: Big; completed_seconds: Big }[]
    >(Prisma.sql`SELECT * FROM platform_company_usage()`);
    const companies = rows.map((r) => ({
      id: r.company_id,
      name: r.name,
      isActive: r.is_active,
      createdAt: r.created_at.toISOString(),
      employees: n(r.employees),
      activeEmployees: n(r.active_employees),
      consultations: n(r.consultations),
      completedConsultations: n(r.completed_consultations),
      cancelledConsultations: n(r.cancelled_consultations),
      completedMinutes: minutes(r.completed_seconds),
    }));
    return { companies, total: companies.length };
  }
}
