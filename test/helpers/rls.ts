// SQL-level RLS test helpers (ARCHITECTURE §8), in the style of test/rls/rls.e2e-spec.ts: raw pg pools for
// the app role (huntzen_app), the system role (huntzen_system, BYPASSRLS) and the owner; the app role runs
// each assertion in one transaction with the context set exactly as the app sets it, or none.
import pg from 'pg';

export type Role = 'SUPER_ADMIN' | 'ADMIN_HUNTZEN' | 'ADMIN_RH' | 'PRACTITIONER' | 'EMPLOYEE';
export interface Ctx {
  userId: string;
  role: Role;
  companyId?: string | null;
  employeeId?: string | null;
  practitionerId?: string | null;
}
export type Row = Record<string, unknown>;

export interface RlsDb {
  app: pg.Pool;
  sys: pg.Pool;
  owner: pg.Pool;
  /** Runs `fn` as huntzen_app in one transaction, with `ctx` set (one set_config statement) or none. */
  asApp<T>(ctx: Ctx | null, fn: (c: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Rows touched by `sql` run as huntzen_app with `ctx`. */
  affected(ctx: Ctx | null, sql: string, params?: unknown[]): Promise<number | null>;
  /** The row `sql` returns when run by the system role. */
  sysRow(sql: string, params?: unknown[]): Promise<Row | undefined>;
  close(): Promise<void>;
}

export function openRlsDb(): RlsDb {
  const { DATABASE_URL, APP_DATABASE_URL, SYSTEM_DATABASE_URL } = process.env;
  if (!DATABASE_URL || !APP_DATABASE_URL || !SYSTEM_DATABASE_URL) {
    throw new Error('DATABASE_URL (owner), APP_DATABASE_URL (huntzen_app) and SYSTEM_DATABASE_URL (huntzen_system) are required');
  }
  const app = new pg.Pool({ connectionString: APP_DATABASE_URL, max: 4 });
  const sys = new pg.Pool({ connectionString: SYSTEM_DATABASE_URL, max: 2 });
  const owner = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });

  async function asApp<T>(ctx: Ctx | null, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
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
  }

  return {
    app,
    sys,
    owner,
    asApp,
    affected: (ctx, sql, params = []) => asApp(ctx, async (c) => (await c.query(sql, params)).rowCount),
    sysRow: async (sql, params = []) => (await sys.query(sql, params)).rows[0],
    close: async () => {
      await Promise.all([app.end(), sys.end(), owner.end()]);
    },
  };
}

export async function insert(db: pg.Pool | pg.PoolClient, table: string, row: Row): Promise<string> {
  const cols = Object.keys(row);
  const sql = `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`;
  await db.query(sql, Object.values(row));
  return row.id as string;
}
