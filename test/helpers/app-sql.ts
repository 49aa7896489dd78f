// Raw SQL as the database roles, for RLS and definer-function tests: fixtures through the system role
// (BYPASSRLS), assertions as huntzen_app with or without a context set exactly as the app sets it (one
// set_config statement, transaction-local).
import pg from 'pg';

export type SqlRole = 'SUPER_ADMIN' | 'ADMIN_HUNTZEN' | 'ADMIN_RH' | 'PRACTITIONER' | 'EMPLOYEE';
export interface SqlCtx {
  userId: string;
  role: SqlRole;
  companyId?: string | null;
  employeeId?: string | null;
  practitionerId?: string | null;
}
export type Row = Record<string, unknown>;

export interface SqlRoles {
  app: pg.Pool;
  sys: pg.Pool;
  owner: pg.Pool;
  /** Runs `fn` as huntzen_app in one transaction, with the context set the way the app sets it (or none). */
  asApp<T>(ctx: SqlCtx | null, fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function connectSqlRoles(): SqlRoles {
  const { DATABASE_URL, APP_DATABASE_URL, SYSTEM_DATABASE_URL } = process.env;
  if (!DATABASE_URL || !APP_DATABASE_URL || !SYSTEM_DATABASE_URL) {
    throw new Error('DATABASE_URL (owner), APP_DATABASE_URL (huntzen_app) and SYSTEM_DATABASE_URL (huntzen_system) are required');
  }
  const app = new pg.Pool({ connectionString: APP_DATABASE_URL, max: 4 });
  const sys = new pg.Pool({ connectionString: SYSTEM_DATABASE_URL, max: 2 });
  const owner = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  return {
    app,
    sys,
    owner,
    async asApp(ctx, fn) {
      const c = await app.connect();
      try {
        await c.query('BEGIN');
        if (ctx) {
          await c.query(
            `SELECT set_config('app.user_id', $1, true), set_config('app.role', $2, true),
                    set_config('app.company_id', $3, true), set_config('app.employee_id', $4, true),
                    set_config('app.practitioner_id', $5, true)`,
            [ctx.userId, ctx.role, ctx.companyId ?? '', ctx.employeeId ?? '', ctx.practitionerId ?? ''],
          );
        }
        const result = await fn(c);
        await c.query('COMMIT');
        return result;
      } catch (err) {
        await c.query('ROLLBACK');
        throw err;
      } finally {
        c.release();
      }
    },
    async close() {
      await Promise.all([app.end(), sys.end(), owner.end()]);
    },
  };
}

export async function insertRow(db: pg.Pool | pg.PoolClient, table: string, row: Row): Promise<string> {
  const cols = Object.keys(row);
  const sql = `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`;
  await db.query(sql, Object.values(row));
  return row.id as string;
}
