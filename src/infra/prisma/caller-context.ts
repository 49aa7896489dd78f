import type { Identity } from '../../common/context/request-context.js';

/**
 * The one statement that sets every `app.*` setting the RLS policies read, transaction-local
 * (`app_set_caller()`: `set_config(..., true)`), so nothing survives into the next use of a pooled
 * connection. Used by TenantPrisma (Prisma) and the CSV export cursor with `callerContextValues`; the
 * hot SQL functions behind TenantSql take the same values as their first five parameters.
 */
export const SET_CALLER_CONTEXT = `SELECT app_set_caller($1, $2, $3, $4, $5)`;

export function callerContextValues(id: Identity): string[] {
  return [id.userId, id.role, id.companyId ?? '', id.employeeId ?? '', id.practitionerId ?? ''];
}
