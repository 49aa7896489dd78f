import type { Identity } from '../../common/context/request-context.js';

/**
 * The one statement that sets every `app.*` setting the RLS policies read, transaction-local
 * (`set_config(..., true)`), so nothing survives into the next use of a pooled connection. Used by
 * TenantPrisma (Prisma) and TenantSql (node-postgres) with `callerContextValues`.
 */
export const SET_CALLER_CONTEXT = `SELECT set_config('app.user_id', $1, true), set_config('app.role', $2, true),
  set_config('app.company_id', $3, true), set_config('app.employee_id', $4, true), set_config('app.practitioner_id', $5, true)`;

export function callerContextValues(id: Identity): string[] {
  return [id.userId, id.role, id.companyId ?? '', id.employeeId ?? '', id.practitionerId ?? ''];
}
