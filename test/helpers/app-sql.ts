// Older names of the SQL-level helpers of test/helpers/rls.ts (one implementation: huntzen_app with the
// context set exactly as the app sets it, the system role for fixtures, the owner for catalogue checks).
export { insert as insertRow, openRlsDb as connectSqlRoles } from './rls.js';
export type { Ctx as SqlCtx, RlsDb as SqlRoles, Role as SqlRole, Row } from './rls.js';
