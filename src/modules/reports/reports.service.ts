import { Injectable } from '@nestjs/common';
import { Prisma, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { pageInfo } from '../../common/pagination/pagination.js';
import { AppConfig } from '../../config/app-config.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { parsePeriod, Period, REPORT_TIME_ZONE } from '../employees/period.js';
import { parisDate } from './csv.js';
import type {
  BillingLineDto,
  CompanyKpisDto,
  CompanyReportDto,
  CompanySummaryDto,
  DepartmentKpisDto,
  EmployeeUsageDetailDto,
  EmployeeUsageReportDto,
  PlatformKpisDto,
  PractitionerBillingDto,
  PractitionerStatsDto,
  WithheldDepartmentDto,
} from './dto/reports.dto.js';
import { minutesOf, round1, unlessSmall, withheld, WithheldDto } from './threshold.js';

export const GDPR_REPORT_NOTICE =
  'Données agrégées uniquement : nombre et durée des consultations par salarié et par période. Aucune information sur les praticiens, spécialités, formats, motifs ou dates. Les agrégats de moins de {N} salariés sont masqués.';

interface UsageRow {
  employee_id: string;
  first_name: string;
  last_name: string;
  department: string | null;
  is_active: boolean;
  consultation_count: number;
  total_duration_seconds: bigint | number;
}

interface UsageTotals {
  employee_count: number;
  active_count: number;
  consultation_count: number;
  total_duration_seconds: bigint | number | null;
}

interface GroupRow {
  department: string | null;
  employee_count: number;
  active_count: number;
  used_count: number;
  consultation_count: number;
  total_duration_seconds: bigint | number;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);

/**
 * Reports (SPEC §4.11 R1–R7, §4.17 X5–X7, §4.19 I10). HR and platform admins read counters only through the
 * SECURITY DEFINER functions of migration 20261129002300 (aggregates and per-employee counters, nothing
 * else); a practitioner reads its own consultations under RLS. Every aggregate over fewer than
 * REPORTS_MIN_GROUP_SIZE employees (active accounts) is replaced by the withheld marker.
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly config: AppConfig,
  ) {}

  get minGroup(): number {
    return this.config.get('REPORTS_MIN_GROUP_SIZE');
  }

  notice(): string {
    return GDPR_REPORT_NOTICE.replace('{N}', String(this.minGroup));
  }

  /** `period`, or the months `from`..`to` (inclusive), for X5–X7. */
  range(q: { period?: string; from?: string; to?: string }): Period {
    if (q.period || (!q.from && !q.to)) return parsePeriod(q.period);
    if (!q.from || !q.to) {
      throw AppException.badRequest(ErrorCode.INVALID_PERIOD, 'Période invalide', [{ field: q.from ? 'to' : 'from', message: '`from` et `to` vont ensemble' }]);
    }
    if (q.from > q.to) throw AppException.badRequest(ErrorCode.INVALID_PERIOD, 'Période invalide', [{ field: 'to', message: '`to` précède `from`' }]);
    return { label: `${q.from}/${q.to}`, start: parsePeriod(q.from).start, end: parsePeriod(q.to).end };
  }

  /** The company, if the caller may see it (own company for HR, any for platform admins): else 404. */
  async company(me: Identity, companyId: string): Promise<{ id: string; name: string }> {
    if (me.role === Role.ADMIN_RH && companyId !== me.companyId) throw AppException.notFound('Entreprise introuvable');
    const co = await this.tenant.db.company.findFirst({ where: { id: companyId }, select: { id: true, name: true } });
    if (!co) throw AppException.notFound('Entreprise introuvable');
    return co;
  }

  /** The department as stored (case-insensitive match; existence from the headcounts), or 400 UNKNOWN_DEPARTMENT. */
  async department(companyId: string, requested?: string): Promise<string | null> {
    if (!requested) return null;
    const [row] = await this.tenant.queryRaw<{ department: string | null }[]>(Prisma.sql`SELECT report_company_department(${companyId}::uuid, ${requested}::text) AS department`);
    if (!row?.department) throw unknownDepartment();
    return row.department;
  }

  /**
   * R1 — per-employee counters of the caller's company, paged, with totals above the threshold only. One
   * statement, one round trip: the department check, the totals (headcounts and per-department sums kept
   * by the database, a few dozen rows whatever the company's size) and the page (its rows only, as JSON).
   */
  async employeeUsage(me: Identity, q: { period?: string; department?: string; page: number; limit: number }): Promise<EmployeeUsageReportDto> {
    const companyId = me.companyId!;
    const period = parsePeriod(q.period);
    const requested = q.department || null;
    const args = Prisma.sql`${companyId}::uuid, ${period.start}::date, ${period.end}::date, ${requested}::text`;
    const [result] = await this.tenant.queryRaw<(UsageTotals & { department: string | null; rows: UsageRow[] | null })[]>(Prisma.sql`
      SELECT report_company_department(${companyId}::uuid, ${requested}::text) AS department,
             t.employee_count, t.active_count, t.consultation_count, t.total_duration_seconds,
             (SELECT json_agg(p ORDER BY p.ordinality)
                FROM report_employee_usage_page(${args}, ${q.limit}::integer, ${(q.page - 1) * q.limit}::integer) WITH ORDINALITY AS p) AS rows
      FROM report_employee_usage_totals(${args}) AS t`);
    if (requested && !result?.department) throw unknownDepartment();
    const totals: UsageTotals = result ?? { employee_count: 0, active_count: 0, consultation_count: 0, total_duration_seconds: 0n };
    const seconds = Number(totals.total_duration_seconds ?? 0);
    return {
      period: period.label,
      employees: (result?.rows ?? []).map(toUsageRow),
      ...pageInfo(totals.employee_count, q),
      totals: unlessSmall(totals.active_count, this.minGroup, () => ({
        employeeCount: totals.employee_count,
        consultationCount: totals.consultation_count,
        totalDurationMinutes: minutesOf(seconds),
        totalDurationSeconds: seconds,
      })),
      notice: this.notice(),
    };
  }

  /** R2 — one employee of the caller's company (another company's id: 404). */
  async employeeUsageOf(me: Identity, employeeId: string, periodLabel?: string): Promise<EmployeeUsageDetailDto> {
    const period = parsePeriod(periodLabel);
    const [row] = await this.tenant.queryRaw<UsageRow[]>(Prisma.sql`SELECT * FROM ${usageSource(me.companyId!, period, null, employeeId)}`);
    if (!row) throw AppException.notFound('Salarié introuvable');
    return { ...toUsageRow(row), period: period.label };
  }

  /** R4 (self) / I10 (platform admin, any practitioner). */
  async practitionerStats(me: Identity, q: { period?: string; practitionerId?: string }): Promise<PractitionerStatsDto> {
    const practitionerId = await this.practitionerFor(me, q.practitionerId);
    const period = parsePeriod(q.period);
    const rows = await this.tenant.queryRaw<{ company_id: string; company_name: string; consultation_count: number; total_duration_seconds: bigint }[]>(Prisma.sql`
      SELECT company_id::text AS company_id, company_name, consultation_count, total_duration_seconds
      FROM report_practitioner_stats(${practitionerId}::uuid, ${period.start}::date, ${period.end}::date)
      ORDER BY consultation_count DESC, company_name`);
    const count = rows.reduce((s, r) => s + r.consultation_count, 0);
    const seconds = rows.reduce((s, r) => s + Number(r.total_duration_seconds), 0);
    return {
      period: period.label,
      practitionerId,
      consultationCount: count,
      totalDurationMinutes: minutesOf(seconds),
      totalDurationSeconds: seconds,
      avgDurationMinutes: count ? round1(seconds / count / 60) : 0,
      byCompany: rows.map((r) => ({
        companyId: r.company_id,
        companyName: r.company_name,
        count: r.consultation_count,
        duration: minutesOf(Number(r.total_duration_seconds)),
        totalDurationSeconds: Number(r.total_duration_seconds),
      })),
    };
  }

  /** The practitioner whose counters are asked for: oneself, or (platform admins) the one named. */
  async practitionerFor(me: Identity, requested?: string): Promise<string> {
    if (me.role === Role.PRACTITIONER) {
      if (requested && requested !== me.practitionerId) throw AppException.notFound('Praticien introuvable');
      return me.practitionerId!;
    }
    if (!requested) throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: 'practitionerId', message: 'obligatoire pour un administrateur' }]);
    const p = await this.tenant.db.practitioner.findFirst({ where: { id: requested }, select: { id: true } });
    if (!p) throw AppException.notFound('Praticien introuvable');
    return p.id;
  }

  /** "Dr. Sophie Martin" for the R6 header. */
  async practitionerName(me: Identity): Promise<string> {
    const p = await this.tenant.db.practitioner.findFirst({ where: { id: me.practitionerId! }, select: { title: true, firstName: true, lastName: true } });
    if (!p) throw AppException.notFound('Praticien introuvable');
    return [p.title, p.firstName, p.lastName].filter(Boolean).join(' ');
  }

  /** R5 — the caller's counted consultations (date, company, minutes, status): no employee, reason or note. */
  async practitionerBilling(me: Identity, q: { period?: string; page: number; limit: number }): Promise<PractitionerBillingDto> {
    const period = parsePeriod(q.period);
    const where = billingWhere(me.practitionerId!, period);
    const [rows, total] = await Promise.all([
      this.tenant.db.consultation.findMany({
        where,
        select: { scheduledAt: true, actualDurationSeconds: true, status: true, billingStatus: true, company: { select: { name: true } } },
        orderBy: [{ scheduledAt: 'asc' }, { id: 'asc' }],
        skip: (q.page - 1) * q.limit,
        take: q.limit,
      }),
      this.tenant.db.consultation.count({ where }),
    ]);
    const consultations: BillingLineDto[] = rows.map((r) => ({
      date: parisDate(r.scheduledAt),
      companyName: r.company.name,
      durationMinutes: minutesOf(r.actualDurationSeconds ?? 0),
      status: r.status,
      billingStatus: r.billingStatus,
    }));
    return { period: period.label, consultations, ...pageInfo(total, q) };
  }

  /** Per-department groups of a company over a period, via the definer function (aggregates in SQL). */
  private departmentGroups(companyId: string, period: Period): Promise<GroupRow[]> {
    return this.tenant.queryRaw<GroupRow[]>(Prisma.sql`
      SELECT department, count(*)::integer AS employee_count, (count(*) FILTER (WHERE is_active))::integer AS active_count,
             (count(*) FILTER (WHERE consultation_count > 0))::integer AS used_count,
             COALESCE(sum(consultation_count), 0)::integer AS consultation_count,
             COALESCE(sum(total_duration_seconds), 0)::bigint AS total_duration_seconds
      FROM ${usageSource(companyId, period, null, null)}
      GROUP BY department ORDER BY department NULLS LAST`);
  }

  private kpisOf(groups: GroupRow[]): CompanyKpisDto {
    const active = groups.reduce((s, g) => s + g.active_count, 0);
    const used = groups.reduce((s, g) => s + g.used_count, 0);
    const count = groups.reduce((s, g) => s + g.consultation_count, 0);
    const seconds = groups.reduce((s, g) => s + Number(g.total_duration_seconds), 0);
    return {
      totalEmployees: active,
      activeEmployees: used,
      usageRate: ratio(used, active),
      consultationCount: count,
      totalDurationSeconds: seconds,
      totalDurationMinutes: minutesOf(seconds),
      averageDurationMinutes: count ? round1(seconds / count / 60) : 0,
    };
  }

  /** X5 — company KPIs by department; the company and each department under the threshold withheld. */
  async companyReport(me: Identity, companyId: string, q: { period?: string; from?: string; to?: string }): Promise<CompanyReportDto> {
    const period = this.range(q);
    const company = await this.company(me, companyId);
    const groups = await this.departmentGroups(company.id, period);
    const active = groups.reduce((s, g) => s + g.active_count, 0);
    return {
      companyId: company.id,
      companyName: company.name,
      period: { label: period.label, from: period.start, to: period.end },
      summary: unlessSmall(active, this.minGroup, () => this.kpisOf(groups)),
      byDepartment: groups.map((g): DepartmentKpisDto | WithheldDepartmentDto =>
        g.active_count >= this.minGroup
          ? { department: g.department, employeeCount: g.active_count, activeCount: g.used_count, consultationCount: g.consultation_count, usageRate: ratio(g.used_count, g.active_count) }
          : { department: g.department, ...withheld(this.minGroup) },
      ),
    };
  }

  /** X6 — the HR dashboard of the caller's company. */
  async companySummary(me: Identity, q: { period?: string; from?: string; to?: string }): Promise<CompanySummaryDto> {
    const period = this.range(q);
    const groups = await this.departmentGroups(me.companyId!, period);
    const active = groups.reduce((s, g) => s + g.active_count, 0);
    return {
      period: { label: period.label, from: period.start, to: period.end },
      summary: unlessSmall(active, this.minGroup, () => {
        const k = this.kpisOf(groups);
        return {
          totalEmployees: k.totalEmployees,
          activeEmployees: k.activeEmployees,
          usageRate: k.usageRate,
          totalConsultations: k.consultationCount,
          totalDurationHours: round1(k.totalDurationSeconds / 3600),
          averageDurationMinutes: k.averageDurationMinutes,
        };
      }),
      topDepartments: groups
        .filter((g) => g.department !== null && g.active_count >= this.minGroup)
        .map((g) => ({ department: g.department, usageRate: ratio(g.used_count, g.active_count), consultationCount: g.consultation_count }))
        .sort((a, b) => b.usageRate - a.usageRate || b.consultationCount - a.consultationCount)
        .slice(0, 5),
    };
  }

  /** R7 — platform KPIs for HuntZen admins; each company under the threshold is withheld in the ranking. */
  async platformKpis(q: { period?: string; from?: string; to?: string }): Promise<PlatformKpisDto> {
    const period = this.range(q);
    type Co = { company_id: string; company_name: string; company_active: boolean; employee_count: number; active_employee_count: number; consultation_count: number; total_duration_seconds: bigint };
    const [companies, [outcomes], activePractitioners, reviews] = await Promise.all([
      this.tenant.queryRaw<Co[]>(Prisma.sql`SELECT company_id::text AS company_id, company_name, company_active, employee_count, active_employee_count, consultation_count, total_duration_seconds
        FROM report_platform_companies(${period.start}::date, ${period.end}::date)`),
      this.tenant.queryRaw<{ completed: number; cancelled: number; no_show: number }[]>(Prisma.sql`SELECT completed, cancelled, no_show
        FROM report_platform_outcomes((${period.start}::timestamp AT TIME ZONE ${REPORT_TIME_ZONE}), (${period.end}::timestamp AT TIME ZONE ${REPORT_TIME_ZONE}))`),
      this.tenant.db.practitioner.count({ where: { isActive: true, isValidated: true } }),
      this.tenant.db.practitionerReview.aggregate({ where: { isPublished: true }, _avg: { rating: true }, _count: { _all: true } }),
    ]);
    const count = companies.reduce((s, c) => s + c.consultation_count, 0);
    const seconds = companies.reduce((s, c) => s + Number(c.total_duration_seconds), 0);
    const closed = outcomes ? outcomes.completed + outcomes.cancelled + outcomes.no_show : 0;
    const kpis = (c: Co): CompanyKpisDto => ({
      totalEmployees: c.employee_count,
      activeEmployees: c.active_employee_count,
      usageRate: ratio(c.active_employee_count, c.employee_count),
      consultationCount: c.consultation_count,
      totalDurationSeconds: Number(c.total_duration_seconds),
      totalDurationMinutes: minutesOf(Number(c.total_duration_seconds)),
      averageDurationMinutes: c.consultation_count ? round1(Number(c.total_duration_seconds) / c.consultation_count / 60) : 0,
    });
    const shown = companies.filter((c) => c.employee_count >= this.minGroup).sort((a, b) => b.consultation_count - a.consultation_count || a.company_name.localeCompare(b.company_name));
    const hidden = companies.filter((c) => c.employee_count < this.minGroup).sort((a, b) => a.company_name.localeCompare(b.company_name));
    return {
      period: { label: period.label, from: period.start, to: period.end },
      activeCompanies: companies.filter((c) => c.company_active).length,
      activePractitioners,
      consultationCount: count,
      totalDurationMinutes: minutesOf(seconds),
      averageDurationMinutes: count ? round1(seconds / count / 60) : 0,
      completionRate: closed ? ratio(outcomes!.completed, closed) : null,
      satisfaction: { averageRating: reviews._avg.rating === null ? null : round1(reviews._avg.rating), reviewCount: reviews._count._all },
      companies: [
        ...shown.map((c, i) => ({ companyId: c.company_id, companyName: c.company_name, rank: i + 1, usage: kpis(c) })),
        ...hidden.map((c) => ({ companyId: c.company_id, companyName: c.company_name, rank: null, usage: withheld(this.minGroup) as WithheldDto })),
      ],
    };
  }
}

/** The definer function call as a FROM item (aliased). */
export function usageSource(companyId: string, period: Period, department: string | null, employeeId: string | null): Prisma.Sql {
  return Prisma.sql`report_employee_usage(${companyId}::uuid, ${period.start}::date, ${period.end}::date, ${department}::text, ${employeeId}::uuid) AS u`;
}

/** Counted for the practitioner (SPEC §6.6): COMPLETED and billing VALIDATED or BILLED, scheduled in the period. */
export function billingWhere(practitionerId: string, period: Period): Prisma.ConsultationWhereInput {
  return {
    practitionerId,
    status: 'COMPLETED',
    billingStatus: { in: ['VALIDATED', 'BILLED'] },
    scheduledAt: { gte: parisInstant(period.start), lt: parisInstant(period.end) },
  };
}

/** Midnight of a local Europe/Paris day as an instant. */
export function parisInstant(day: string): Date {
  const utc = new Date(`${day}T00:00:00Z`);
  const local = new Date(utc.toLocaleString('en-US', { timeZone: REPORT_TIME_ZONE }));
  const offset = local.getTime() - new Date(utc.toLocaleString('en-US', { timeZone: 'UTC' })).getTime();
  return new Date(utc.getTime() - offset);
}

function unknownDepartment(): AppException {
  return AppException.badRequest(ErrorCode.UNKNOWN_DEPARTMENT, 'Département inconnu', [{ field: 'department', message: 'aucun salarié de l’entreprise dans ce département' }]);
}

function toUsageRow(r: UsageRow) {
  const seconds = Number(r.total_duration_seconds);
  return {
    employeeId: r.employee_id,
    employeeName: `${r.first_name} ${r.last_name}`,
    department: r.department,
    consultationCount: r.consultation_count,
    totalDurationMinutes: minutesOf(seconds),
    totalDurationSeconds: seconds,
  };
}
