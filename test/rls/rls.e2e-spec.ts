// Row Level Security, proven at SQL level as huntzen_app (ARCHITECTURE §4, §8). Raw pg clients only:
// fixtures are written through the system role (BYPASSRLS), every assertion runs as the app role with
// or without a context set exactly as the app sets it (one set_config statement, transaction-local).
import pg from 'pg';
import { randomUUID } from 'node:crypto';

const OWNER_URL = process.env.DATABASE_URL;
const APP_URL = process.env.APP_DATABASE_URL;
const SYSTEM_URL = process.env.SYSTEM_DATABASE_URL;

type Role = 'SUPER_ADMIN' | 'ADMIN_HUNTZEN' | 'ADMIN_RH' | 'PRACTITIONER' | 'EMPLOYEE';
interface Ctx {
  userId: string;
  role: Role;
  companyId?: string | null;
  employeeId?: string | null;
  practitionerId?: string | null;
}
type Row = Record<string, unknown>;

// Every table that holds tenant, personal, medical or operational data.
const RLS_TABLES = [
  'users', 'refresh_tokens', 'user_tokens', 'two_factor_backup_codes', 'consents', 'deletion_requests',
  'notification_preferences', 'notification_settings', 'notifications', 'companies', 'employees', 'practitioners',
  'practitioner_documents', 'practitioner_reviews', 'availabilities', 'consultations', 'consultation_events',
  'messages', 'clinical_notes', 'journal_entries', 'news', 'files', 'audit_logs', 'security_events',
  'email_queue', 'backup_records', 'support_tickets', 'articles',
] as const;
// Sensitive = no row at all without a context (articles: published posts are public by design).
const SENSITIVE_TABLES = RLS_TABLES.filter((t) => t !== 'articles');

let app: pg.Pool;
let sys: pg.Pool;
let owner: pg.Pool;

const tag = randomUUID().slice(0, 8);
const id = () => randomUUID();
const ENVELOPE = { encrypted_content: 'aa', iv: 'bb', auth_tag: 'cc', encrypted_dek: 'dd', dek_iv: 'ee', dek_auth_tag: 'ff', key_version: 'v1' };

async function insert(db: pg.Pool | pg.PoolClient, table: string, row: Row): Promise<string> {
  const cols = Object.keys(row);
  const sql = `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`;
  await db.query(sql, Object.values(row));
  return row.id as string;
}

/** Runs `fn` as huntzen_app in one transaction, with the context set the way the app sets it (or none). */
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

const count = (ctx: Ctx | null, table: string, where = 'true', params: unknown[] = []) =>
  asApp(ctx, async (c) => Number((await c.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0].n));
const affected = (ctx: Ctx | null, sql: string, params: unknown[] = []) =>
  asApp(ctx, async (c) => (await c.query(sql, params)).rowCount);
const sysCount = async (table: string, where = 'true', params: unknown[] = []) =>
  Number((await sys.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`, params)).rows[0].n);

// ───────────────────────────── fixtures ─────────────────────────────
const F = {
  companyA: id(), companyB: id(),
  userRhA: id(), userRhB: id(), userEmpA1: id(), userEmpA2: id(), userEmpB1: id(),
  userPrac1: id(), userPrac2: id(), userSuper: id(), userHuntzen: id(),
  empA1: id(), empA2: id(), empB1: id(), prac1: id(), prac2: id(),
  consA1: id(), consB1: id(), consA2: id(),
  noteP1: id(), noteP2: id(), journalA1: id(), journalA2: id(), msgA1: id(), msgB1: id(),
  newsA: id(), newsB: id(), fileA: id(), draftArticle: id(), publishedArticle: id(),
};
const ctx = {} as Record<'rhA' | 'rhB' | 'empA1' | 'empA2' | 'empB1' | 'prac1' | 'prac2' | 'superAdmin' | 'huntzen', Ctx>;

// A far-future day per run, so fixtures never collide with other suites' bookings.
const day = new Date(Date.UTC(2040 + Math.floor(Math.random() * 40), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 27)));
const at = (hh: number, mm = 0, dayOffset = 0) => new Date(day.getTime() + dayOffset * 86_400_000 + (hh * 60 + mm) * 60_000);

function consultationRow(cid: string, companyId: string, employeeId: string, practitionerId: string, startH: number, dayOffset = 0): Row {
  return {
    id: cid, company_id: companyId, employee_id: employeeId, practitioner_id: practitionerId,
    scheduled_at: at(startH, 0, dayOffset), scheduled_end_at: at(startH, 50, dayOffset), blocked_until: at(startH + 1, 0, dayOffset),
    format: 'VIDEO', updated_at: new Date(),
  };
}

/** A minimal valid row for each table (used both to seed and to attempt writes without context). */
function sampleRow(table: string): Row {
  const now = new Date();
  switch (table) {
    case 'users': return { id: id(), email: `rls-${tag}-${id().slice(0, 6)}@example.test`, password_hash: 'x', updated_at: now };
    case 'refresh_tokens': return { id: id(), token_hash: id(), user_id: F.userEmpA1, family_id: id(), expires_at: now };
    case 'user_tokens': return { id: id(), user_id: F.userEmpA1, type: 'INVITATION', token_hash: id(), expires_at: now, company_id: F.companyA };
    case 'two_factor_backup_codes': return { id: id(), user_id: F.userEmpA1, code_hash: id() };
    case 'consents': return { id: id(), user_id: F.userEmpA1, type: 'PRIVACY_POLICY', version: '1.0' };
    case 'deletion_requests': return { id: id(), user_id: F.userEmpA2, deletion_date: now, status: 'CANCELLED' };
    case 'notification_preferences': return { id: id(), user_id: F.userEmpA1, type: 'SYSTEM', updated_at: now };
    case 'notification_settings': return { user_id: F.userEmpA1, updated_at: now };
    case 'notifications': return { id: id(), user_id: F.userEmpA1, type: 'SYSTEM', title: 't', message: 'm' };
    case 'companies': return { id: id(), name: 'X', slug: `rls-${tag}-${id().slice(0, 6)}`, updated_at: now };
    case 'employees': return { id: id(), user_id: F.userRhA, company_id: F.companyA, first_name: 'a', last_name: 'b', updated_at: now };
    case 'practitioners': return { id: id(), user_id: F.userRhB, first_name: 'a', last_name: 'b', title: 'Dr.', specialty: 'PSYCHIATRE', bio: 'b', updated_at: now };
    case 'practitioner_documents': return { id: id(), practitioner_id: F.prac1, type: 'DIPLOMA', file_id: F.fileA };
    case 'practitioner_reviews': return { id: id(), practitioner_id: F.prac1, employee_id: F.empA1, consultation_id: F.consA1, rating: 5 };
    case 'availabilities': return { id: id(), practitioner_id: F.prac1, day_of_week: 1, start_time: '09:00', end_time: '17:00', updated_at: now };
    case 'consultations': return consultationRow(id(), F.companyA, F.empA1, F.prac1, 20, 3);
    case 'consultation_events': return { id: id(), consultation_id: F.consA1, event_type: 'CREATED', actor_id: F.userEmpA1, actor_role: 'EMPLOYEE' };
    case 'messages': return { id: id(), consultation_id: F.consA1, sender_id: F.userEmpA1, sender_role: 'EMPLOYEE', ...ENVELOPE };
    case 'clinical_notes': return { id: id(), consultation_id: F.consA1, practitioner_id: F.prac1, ...ENVELOPE, updated_at: now };
    case 'journal_entries': return { id: id(), employee_id: F.empA1, ...ENVELOPE, updated_at: now };
    case 'articles': return { id: id(), title: 't', slug: `rls-${tag}-${id().slice(0, 6)}`, excerpt: 'e', content: 'c', category: 'WELLBEING', author_id: F.userHuntzen, author_role: 'ADMIN_HUNTZEN', author_name: 'n', updated_at: now };
    case 'news': return { id: id(), company_id: F.companyA, title: 't', content: 'c', author_id: F.userRhA, author_name: 'n', updated_at: now };
    case 'files': return { id: id(), uploaded_by: F.userPrac1, user_role: 'PRACTITIONER', filename: 'f.pdf', original_name: 'f.pdf', mime_type: 'application/pdf', size: 1, path: '/x', file_type: 'DIPLOMA' };
    case 'audit_logs': return { id: id(), user_id: F.userEmpA1, action: 'LOGIN', resource: 'auth' };
    case 'security_events': return { id: id(), type: 'LOGIN_FAILED', severity: 'LOW' };
    case 'email_queue': return { id: id(), to: 'x@example.test', subject: 's' };
    case 'backup_records': return { id: id() };
    case 'support_tickets': return { id: id(), company_id: F.companyA, created_by: F.userRhA, subject: 's', body: 'b', updated_at: now };
    default: throw new Error(`no sample row for ${table}`);
  }
}

beforeAll(async () => {
  if (!OWNER_URL || !APP_URL || !SYSTEM_URL) {
    throw new Error('DATABASE_URL (owner), APP_DATABASE_URL (huntzen_app) and SYSTEM_DATABASE_URL (huntzen_system) are required');
  }
  app = new pg.Pool({ connectionString: APP_URL, max: 4 });
  sys = new pg.Pool({ connectionString: SYSTEM_URL, max: 2 });
  owner = new pg.Pool({ connectionString: OWNER_URL, max: 1 });

  const now = new Date();
  const company = (cid: string, name: string) => ({ id: cid, name, slug: `rls-${name.toLowerCase()}-${tag}`, email_domains: [`@${name.toLowerCase()}-${tag}.test`], is_active: true, validated_at: now, updated_at: now });
  await insert(sys, 'companies', company(F.companyA, 'Alpha'));
  await insert(sys, 'companies', company(F.companyB, 'Beta'));
  const user = (uid: string, role: Role, companyId: string | null) => ({ id: uid, email: `${role.toLowerCase()}-${uid.slice(0, 8)}-${tag}@example.test`, password_hash: 'x', role, company_id: companyId, is_active: true, email_verified: true, updated_at: now });
  await insert(sys, 'users', user(F.userRhA, 'ADMIN_RH', F.companyA));
  await insert(sys, 'users', user(F.userRhB, 'ADMIN_RH', F.companyB));
  await insert(sys, 'users', user(F.userEmpA1, 'EMPLOYEE', F.companyA));
  await insert(sys, 'users', user(F.userEmpA2, 'EMPLOYEE', F.companyA));
  await insert(sys, 'users', user(F.userEmpB1, 'EMPLOYEE', F.companyB));
  await insert(sys, 'users', user(F.userPrac1, 'PRACTITIONER', null));
  await insert(sys, 'users', user(F.userPrac2, 'PRACTITIONER', null));
  await insert(sys, 'users', user(F.userSuper, 'SUPER_ADMIN', null));
  await insert(sys, 'users', user(F.userHuntzen, 'ADMIN_HUNTZEN', null));
  const employee = (eid: string, uid: string, companyId: string) => ({ id: eid, user_id: uid, company_id: companyId, first_name: 'E', last_name: eid.slice(0, 8), department: 'R&D', updated_at: now });
  await insert(sys, 'employees', employee(F.empA1, F.userEmpA1, F.companyA));
  await insert(sys, 'employees', employee(F.empA2, F.userEmpA2, F.companyA));
  await insert(sys, 'employees', employee(F.empB1, F.userEmpB1, F.companyB));
  const practitioner = (pid: string, uid: string) => ({ id: pid, user_id: uid, first_name: 'P', last_name: pid.slice(0, 8), title: 'Dr.', specialty: 'PSYCHOLOGUE_CLINICIEN', bio: 'bio', is_validated: true, validated_at: now, updated_at: now });
  await insert(sys, 'practitioners', practitioner(F.prac1, F.userPrac1));
  await insert(sys, 'practitioners', practitioner(F.prac2, F.userPrac2));

  await insert(sys, 'consultations', consultationRow(F.consA1, F.companyA, F.empA1, F.prac1, 9));
  await insert(sys, 'consultations', consultationRow(F.consB1, F.companyB, F.empB1, F.prac2, 9));
  await insert(sys, 'consultations', consultationRow(F.consA2, F.companyA, F.empA2, F.prac1, 11));
  await insert(sys, 'clinical_notes', { ...sampleRow('clinical_notes'), id: F.noteP1 });
  await insert(sys, 'clinical_notes', { ...sampleRow('clinical_notes'), id: F.noteP2, consultation_id: F.consB1, practitioner_id: F.prac2 });
  await insert(sys, 'journal_entries', { ...sampleRow('journal_entries'), id: F.journalA1 });
  await insert(sys, 'journal_entries', { ...sampleRow('journal_entries'), id: F.journalA2, employee_id: F.empA2 });
  await insert(sys, 'messages', { ...sampleRow('messages'), id: F.msgA1 });
  await insert(sys, 'messages', { ...sampleRow('messages'), id: F.msgB1, consultation_id: F.consB1, sender_id: F.userEmpB1 });
  await insert(sys, 'news', { ...sampleRow('news'), id: F.newsA });
  await insert(sys, 'news', { ...sampleRow('news'), id: F.newsB, company_id: F.companyB, author_id: F.userRhB });
  await insert(sys, 'files', { ...sampleRow('files'), id: F.fileA });
  await insert(sys, 'articles', { ...sampleRow('articles'), id: F.draftArticle, status: 'DRAFT' });
  await insert(sys, 'articles', { ...sampleRow('articles'), id: F.publishedArticle, status: 'PUBLISHED', published_at: now });
  // At least one row in every other table, so "zero rows without context" means something.
  for (const t of SENSITIVE_TABLES) if ((await sysCount(t)) === 0) await insert(sys, t, sampleRow(t));

  ctx.rhA = { userId: F.userRhA, role: 'ADMIN_RH', companyId: F.companyA };
  ctx.rhB = { userId: F.userRhB, role: 'ADMIN_RH', companyId: F.companyB };
  ctx.empA1 = { userId: F.userEmpA1, role: 'EMPLOYEE', companyId: F.companyA, employeeId: F.empA1 };
  ctx.empA2 = { userId: F.userEmpA2, role: 'EMPLOYEE', companyId: F.companyA, employeeId: F.empA2 };
  ctx.empB1 = { userId: F.userEmpB1, role: 'EMPLOYEE', companyId: F.companyB, employeeId: F.empB1 };
  ctx.prac1 = { userId: F.userPrac1, role: 'PRACTITIONER', practitionerId: F.prac1 };
  ctx.prac2 = { userId: F.userPrac2, role: 'PRACTITIONER', practitionerId: F.prac2 };
  ctx.superAdmin = { userId: F.userSuper, role: 'SUPER_ADMIN' };
  ctx.huntzen = { userId: F.userHuntzen, role: 'ADMIN_HUNTZEN' };
});

afterAll(async () => {
  await Promise.all([app?.end(), sys?.end(), owner?.end()]);
});

// ───────────────────────────── the connection itself ─────────────────────────────
describe('huntzen_app connection', () => {
  it('is not superuser, not BYPASSRLS, owns nothing and cannot become the owner', async () => {
    const { rows } = await app.query(
      `SELECT current_user AS name, r.rolsuper, r.rolbypassrls,
              (SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'MEMBER')) AS owned
         FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(rows[0]).toEqual({ name: 'huntzen_app', rolsuper: false, rolbypassrls: false, owned: 0 });
  });

  it('FORCE ROW LEVEL SECURITY is on for every listed table and every table of the schema', async () => {
    const { rows } = await owner.query(
      `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> '_prisma_migrations'`,
    );
    const byName = new Map(rows.map((r) => [r.relname as string, r]));
    for (const t of RLS_TABLES) expect(byName.get(t), t).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
    const unprotected = rows.filter((r) => !r.relrowsecurity || !r.relforcerowsecurity).map((r) => r.relname);
    expect(unprotected).toEqual([]);
  });

  it('has no access to the report views nor to their refresh functions, nor to migration history', async () => {
    for (const sql of [
      'SELECT * FROM employee_usage_stats',
      'SELECT * FROM practitioner_billing_stats',
      'SELECT refresh_employee_stats()',
      'SELECT * FROM _prisma_migrations',
    ]) {
      await expect(asApp(ctx.superAdmin, (c) => c.query(sql)), sql).rejects.toMatchObject({ code: '42501' });
    }
  });
});

// ───────────────────────────── fail closed ─────────────────────────────
describe('without context', () => {
  it.each(SENSITIVE_TABLES)('%s: zero rows (the system role sees some)', async (table) => {
    expect(await sysCount(table)).toBeGreaterThan(0);
    expect(await count(null, table)).toBe(0);
  });

  it.each(RLS_TABLES)('%s: INSERT is rejected with 42501', async (table) => {
    await expect(asApp(null, (c) => insert(c, table, sampleRow(table)))).rejects.toMatchObject({ code: '42501' });
  });

  it('an emptied setting (same pooled connection after a context transaction) still means no context', async () => {
    const c = await app.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.user_id', $1, true), set_config('app.role', 'EMPLOYEE', true), set_config('app.employee_id', $2, true)`, [F.userEmpA1, F.empA1]);
      expect(Number((await c.query('SELECT count(*) AS n FROM journal_entries')).rows[0].n)).toBe(1);
      await c.query('COMMIT');
      const { rows } = await c.query(`SELECT current_setting('app.employee_id', true) AS v, (SELECT count(*)::int FROM journal_entries) AS n`);
      expect(rows[0]).toEqual({ v: '', n: 0 });
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  });

  it('articles: published rows are public, drafts are not', async () => {
    expect(await count(null, 'articles', 'id = $1', [F.publishedArticle])).toBe(1);
    expect(await count(null, 'articles', 'id = $1', [F.draftArticle])).toBe(0);
  });
});

// ───────────────────────────── tenants ─────────────────────────────
describe('tenant isolation', () => {
  it('ADMIN_RH of A sees its own company, employees and news', async () => {
    expect(await count(ctx.rhA, 'companies')).toBe(1);
    expect(await count(ctx.rhA, 'employees', 'company_id = $1', [F.companyA])).toBe(2);
    expect(await count(ctx.rhA, 'news', 'id = $1', [F.newsA])).toBe(1);
  });

  it('ADMIN_RH of A can neither select, update nor delete company B, its employees or its news', async () => {
    expect(await count(ctx.rhA, 'companies', 'id = $1', [F.companyB])).toBe(0);
    expect(await affected(ctx.rhA, `UPDATE companies SET name = 'pwned' WHERE id = $1`, [F.companyB])).toBe(0);
    expect(await affected(ctx.rhA, `DELETE FROM companies WHERE id = $1`, [F.companyB])).toBe(0);

    expect(await count(ctx.rhA, 'employees', 'company_id = $1', [F.companyB])).toBe(0);
    expect(await affected(ctx.rhA, `UPDATE employees SET first_name = 'pwned' WHERE company_id = $1`, [F.companyB])).toBe(0);
    expect(await affected(ctx.rhA, `DELETE FROM employees WHERE company_id = $1`, [F.companyB])).toBe(0);

    expect(await count(ctx.rhA, 'news', 'id = $1', [F.newsB])).toBe(0);
    expect(await affected(ctx.rhA, `UPDATE news SET title = 'pwned' WHERE id = $1`, [F.newsB])).toBe(0);
    expect(await affected(ctx.rhA, `DELETE FROM news WHERE id = $1`, [F.newsB])).toBe(0);

    expect(await sysCount('companies', `id = $1 AND name <> 'pwned'`, [F.companyB])).toBe(1);
    expect(await sysCount('employees', `company_id = $1 AND first_name <> 'pwned'`, [F.companyB])).toBe(1);
    expect(await sysCount('news', `id = $1 AND title <> 'pwned'`, [F.newsB])).toBe(1);
  });

  it('ADMIN_RH of A cannot write into company B', async () => {
    await expect(asApp(ctx.rhA, (c) => insert(c, 'news', { ...sampleRow('news'), company_id: F.companyB }))).rejects.toMatchObject({ code: '42501' });
    await expect(asApp(ctx.rhA, (c) => insert(c, 'employees', { ...sampleRow('employees'), company_id: F.companyB, user_id: F.userRhB }))).rejects.toMatchObject({ code: '42501' });
  });

  it('ADMIN_RH cannot validate its own company (privileged columns)', async () => {
    await expect(affected(ctx.rhA, `UPDATE companies SET is_active = NOT is_active WHERE id = $1`, [F.companyA])).rejects.toMatchObject({ code: '42501' });
    expect(await affected(ctx.rhA, `UPDATE companies SET contact_phone = '0102030405' WHERE id = $1`, [F.companyA])).toBe(1);
  });

  it('nobody raises its own role or changes its own company', async () => {
    await expect(affected(ctx.empA1, `UPDATE users SET role = 'SUPER_ADMIN' WHERE id = $1`, [F.userEmpA1])).rejects.toMatchObject({ code: '42501' });
    await expect(affected(ctx.empA1, `UPDATE users SET company_id = $2 WHERE id = $1`, [F.userEmpA1, F.companyB])).rejects.toMatchObject({ code: '42501' });
    expect(await affected(ctx.empA1, `UPDATE users SET last_login_at = now() WHERE id = $1`, [F.userEmpA1])).toBe(1);
  });

  it('nobody changes its own activation, verification, deletion or e-mail', async () => {
    for (const set of ['is_active = NOT is_active', 'email_verified = NOT email_verified', 'deleted_at = now()', `email = 'other@example.test'`]) {
      await expect(affected(ctx.empA1, `UPDATE users SET ${set} WHERE id = $1`, [F.userEmpA1]), set).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('notification settings (calendar invitations): the owning user only, HR and admins included', async () => {
    await insert(sys, 'notification_settings', { user_id: F.userEmpA2, updated_at: new Date() });
    for (const other of [ctx.empA1, ctx.rhA, ctx.superAdmin]) {
      expect(await count(other, 'notification_settings', 'user_id = $1', [F.userEmpA2])).toBe(0);
      expect(await affected(other, `UPDATE notification_settings SET calendar_invites = true WHERE user_id = $1`, [F.userEmpA2])).toBe(0);
    }
    await expect(asApp(ctx.rhA, (c) => insert(c, 'notification_settings', { user_id: F.userEmpB1, updated_at: new Date() }))).rejects.toMatchObject({ code: '42501' });
    expect(await affected(ctx.empA2, `UPDATE notification_settings SET calendar_invites = true WHERE user_id = $1`, [F.userEmpA2])).toBe(1);
  });
});

// ───────────────────────────── medical secrecy ─────────────────────────────
describe('medical data', () => {
  const MEDICAL = ['consultations', 'messages', 'clinical_notes', 'journal_entries', 'consultation_events'];

  it.each(['rhA', 'superAdmin', 'huntzen'] as const)('%s selects zero consultations, messages, notes, journal entries', async (who) => {
    for (const t of MEDICAL) expect(await count(ctx[who], t), `${who} on ${t}`).toBe(0);
    expect(await sysCount('consultations', 'company_id = $1', [F.companyA])).toBeGreaterThan(0);
  });

  it('ADMIN_RH cannot update or book consultations of its company', async () => {
    expect(await affected(ctx.rhA, `UPDATE consultations SET notes = 'x' WHERE company_id = $1`, [F.companyA])).toBe(0);
    await expect(asApp(ctx.rhA, (c) => insert(c, 'consultations', consultationRow(id(), F.companyA, F.empA1, F.prac1, 15, 5)))).rejects.toMatchObject({ code: '42501' });
  });

  it('a practitioner sees only its own clinical notes and cannot write on another practitioner’s consultation', async () => {
    const { rows } = await asApp(ctx.prac1, (c) => c.query('SELECT id FROM clinical_notes'));
    expect(rows.map((r) => r.id)).toEqual([F.noteP1]);
    const other = await asApp(ctx.prac2, (c) => c.query('SELECT id FROM clinical_notes'));
    expect(other.rows.map((r) => r.id)).toEqual([F.noteP2]);
    await expect(asApp(ctx.prac1, (c) => insert(c, 'clinical_notes', { ...sampleRow('clinical_notes'), consultation_id: F.consB1 }))).rejects.toMatchObject({ code: '42501' });
    // no DELETE privilege at all (soft delete only; see test/rls/clinical-notes.e2e-spec.ts)
    await expect(asApp(ctx.prac1, (c) => c.query(`DELETE FROM clinical_notes WHERE id = $1`, [F.noteP1]))).rejects.toMatchObject({ code: '42501' });
  });

  it('an employee sees only its own journal entries and consultations, never clinical notes', async () => {
    const journal = await asApp(ctx.empA1, (c) => c.query('SELECT id FROM journal_entries'));
    expect(journal.rows.map((r) => r.id)).toEqual([F.journalA1]);
    const cons = await asApp(ctx.empA1, (c) => c.query('SELECT id FROM consultations'));
    expect(cons.rows.map((r) => r.id)).toEqual([F.consA1]);
    expect(await count(ctx.empA2, 'consultations', 'id = $1', [F.consA1])).toBe(0);
    expect(await count(ctx.empA2, 'journal_entries', 'id = $1', [F.journalA1])).toBe(0);
    expect(await count(ctx.empA1, 'clinical_notes')).toBe(0);
    expect(await affected(ctx.empA2, 'DELETE FROM journal_entries WHERE id = $1', [F.journalA1])).toBe(0);
  });

  it('messages: participants only; the sender must be the caller', async () => {
    expect(await count(ctx.empA1, 'messages')).toBe(1);
    expect(await count(ctx.prac1, 'messages', 'id = $1', [F.msgA1])).toBe(1);
    expect(await count(ctx.empA2, 'messages')).toBe(0);
    expect(await count(ctx.prac2, 'messages', 'id = $1', [F.msgA1])).toBe(0);
    await expect(asApp(ctx.prac1, (c) => insert(c, 'messages', { ...sampleRow('messages'), sender_id: F.userEmpA1 }))).rejects.toMatchObject({ code: '42501' });
    await expect(asApp(ctx.empA2, (c) => insert(c, 'messages', { ...sampleRow('messages'), sender_id: F.userEmpA2 }))).rejects.toMatchObject({ code: '42501' });
    await asApp(ctx.prac1, (c) => insert(c, 'messages', { ...sampleRow('messages'), sender_id: F.userPrac1, sender_role: 'PRACTITIONER' }));
  });

  it('a practitioner sees an employee only through a consultation linking them', async () => {
    expect(await count(ctx.prac1, 'employees', 'id = $1', [F.empA1])).toBe(1);
    expect(await count(ctx.prac1, 'employees', 'id = $1', [F.empB1])).toBe(0);
    expect(await count(ctx.prac2, 'employees', 'id = $1', [F.empA1])).toBe(0);
  });

  it('the parties of a consultation cannot be changed', async () => {
    await expect(affected(ctx.prac1, 'UPDATE consultations SET employee_id = $2 WHERE id = $1', [F.consA1, F.empB1])).rejects.toMatchObject({ code: '23514' });
  });
});

// ───────────────────────────── append-only audit ─────────────────────────────
describe('audit_logs', () => {
  it('is append-only even for the system role (trigger), and read by SUPER_ADMIN only', async () => {
    await asApp(ctx.empA1, (c) => insert(c, 'audit_logs', { ...sampleRow('audit_logs'), details: JSON.stringify({ event: 'RLS_TEST' }) }));
    expect(await sysCount('audit_logs', `details->>'event' = 'RLS_TEST'`)).toBeGreaterThan(0);
    await expect(sys.query(`UPDATE audit_logs SET resource = 'x'`)).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('append-only') });
    await expect(sys.query(`DELETE FROM audit_logs`)).rejects.toMatchObject({ code: '42501', message: expect.stringContaining('append-only') });
    await expect(sys.query(`TRUNCATE audit_logs`)).rejects.toMatchObject({ message: expect.stringMatching(/append-only|permission denied/) });
    await expect(asApp(ctx.superAdmin, (c) => c.query(`UPDATE audit_logs SET resource = 'x'`))).rejects.toMatchObject({ code: '42501' });
    await expect(asApp(ctx.superAdmin, (c) => c.query(`DELETE FROM audit_logs`))).rejects.toMatchObject({ code: '42501' });
    expect(await count(ctx.superAdmin, 'audit_logs')).toBeGreaterThan(0);
    expect(await count(ctx.rhA, 'audit_logs')).toBe(0);
    expect(await count(ctx.empA1, 'audit_logs')).toBe(0);
  });
});

// ───────────────────────────── triggers and constraints ─────────────────────────────
describe('consultation triggers', () => {
  // App callers get server time (write-guards.e2e-spec.ts): chosen timestamps need the system role.
  it('computes 3000 s / 50 min for 14:02:00Z → 14:52:00Z', async () => {
    const started = at(14, 2);
    const ended = at(14, 52);
    await sys.query(`UPDATE consultations SET status = 'IN_PROGRESS', started_at = $2 WHERE id = $1`, [F.consA1, started]);
    await sys.query(`UPDATE consultations SET status = 'COMPLETED', ended_at = $2, billing_status = 'VALIDATED' WHERE id = $1`, [F.consA1, ended]);
    const { rows } = await sys.query('SELECT actual_duration_seconds, actual_duration FROM consultations WHERE id = $1', [F.consA1]);
    expect(rows[0]).toEqual({ actual_duration_seconds: 3000, actual_duration: 50 });
    // Client-written durations are ignored: the timestamps decide.
    await asApp(ctx.prac1, (c) => c.query(`UPDATE consultations SET actual_duration = 999, actual_duration_seconds = 1 WHERE id = $1`, [F.consA1]));
    const again = await sys.query('SELECT actual_duration_seconds, actual_duration FROM consultations WHERE id = $1', [F.consA1]);
    expect(again.rows[0]).toEqual({ actual_duration_seconds: 3000, actual_duration: 50 });
  });

  it('refuses COMPLETED without started_at and ended_at', async () => {
    // for a participant this is not even a transition (SCHEDULED → COMPLETED)
    await expect(affected(ctx.prac1, `UPDATE consultations SET status = 'COMPLETED' WHERE id = $1`, [F.consA2])).rejects.toMatchObject({ code: '42501' });
    await expect(sys.query(`UPDATE consultations SET status = 'COMPLETED' WHERE id = $1`, [F.consA2])).rejects.toMatchObject({
      code: '23514',
      message: expect.stringContaining('cannot be COMPLETED without started_at and ended_at'),
    });
  });

  it('audits the update with whitelisted columns only (no cancel_reason, notes, room_password)', async () => {
    const secret = `secret-reason-${tag}`;
    // each party writes its own private columns along with an audited change
    await sys.query(`UPDATE consultations SET room_password = $2 WHERE id = $1`, [F.consA2, secret]);
    await asApp(ctx.prac1, (c) => c.query(`UPDATE consultations SET status = 'CONFIRMED', notes = $2 WHERE id = $1`, [F.consA2, secret]));
    await asApp(ctx.empA2, (c) =>
      c.query(`UPDATE consultations SET status = 'CANCELLED', cancelled_at = now(), cancelled_by = $2, cancel_reason = $3 WHERE id = $1`, [F.consA2, F.userEmpA2, secret]),
    );
    const confirmed = await sys.query(`SELECT changes_before, changes_after FROM audit_logs WHERE resource = 'consultation' AND resource_id = $1 AND changes_after->>'status' = 'CONFIRMED'`, [F.consA2]);
    expect(confirmed.rows).toHaveLength(1);
    expect(JSON.stringify(confirmed.rows[0])).not.toContain(secret);
    const { rows } = await sys.query(
      `SELECT user_id, user_role, action, resource, is_sensitive, company_id, changes_before, changes_after, details
         FROM audit_logs WHERE resource = 'consultation' AND resource_id = $1 AND changes_after ? 'cancelled_at'`,
      [F.consA2],
    );
    expect(rows).toHaveLength(1);
    const log = rows[0];
    expect(log).toMatchObject({ user_id: F.userEmpA2, user_role: 'EMPLOYEE', action: 'UPDATE', resource: 'consultation', is_sensitive: true, company_id: F.companyA });
    expect(log.changes_before.status).toBe('CONFIRMED');
    expect(log.changes_after.status).toBe('CANCELLED');
    for (const key of ['cancel_reason', 'notes', 'room_password']) {
      expect(log.changes_before).not.toHaveProperty(key);
      expect(log.changes_after).not.toHaveProperty(key);
    }
    expect(JSON.stringify(log)).not.toContain(secret);
  });

  it('audits system-role changes with the actor "system"', async () => {
    await sys.query(`UPDATE consultations SET billing_status = 'BILLED' WHERE id = $1`, [F.consA1]);
    const { rows } = await sys.query(
      `SELECT user_id, user_role FROM audit_logs WHERE resource_id = $1 AND changes_after->>'billing_status' = 'BILLED'`,
      [F.consA1],
    );
    expect(rows).toEqual([{ user_id: 'system', user_role: null }]);
  });
});

describe('double booking', () => {
  it('the practitioner constraint rejects an overlapping active booking (23P01), not once the first is CANCELLED', async () => {
    const first = id();
    const second = id();
    // Booked by two different employees of company A with the same practitioner, same slot.
    await asApp(ctx.empA1, (c) => insert(c, 'consultations', consultationRow(first, F.companyA, F.empA1, F.prac2, 16, 1)));
    await expect(
      asApp(ctx.empA2, (c) => insert(c, 'consultations', consultationRow(second, F.companyA, F.empA2, F.prac2, 16, 1))),
    ).rejects.toMatchObject({ code: '23P01', constraint: 'consultations_no_overlap_practitioner' });
    // The buffer counts: starting inside [end, blocked_until) is still a conflict.
    await expect(
      asApp(ctx.empA2, (c) =>
        insert(c, 'consultations', { ...consultationRow(second, F.companyA, F.empA2, F.prac2, 16, 1), scheduled_at: at(16, 55, 1), scheduled_end_at: at(17, 45, 1), blocked_until: at(17, 55, 1) }),
      ),
    ).rejects.toMatchObject({ code: '23P01' });

    await asApp(ctx.empA1, (c) => c.query(`UPDATE consultations SET status = 'CANCELLED', cancelled_at = now() WHERE id = $1`, [first]));
    await asApp(ctx.empA2, (c) => insert(c, 'consultations', consultationRow(second, F.companyA, F.empA2, F.prac2, 16, 1)));
    expect(await sysCount('consultations', `id = $1 AND status = 'SCHEDULED'`, [second])).toBe(1);
  });

  it('the employee constraint rejects two overlapping active bookings of the same employee', async () => {
    await asApp(ctx.empB1, (c) => insert(c, 'consultations', consultationRow(id(), F.companyB, F.empB1, F.prac1, 8, 2)));
    await expect(
      asApp(ctx.empB1, (c) => insert(c, 'consultations', consultationRow(id(), F.companyB, F.empB1, F.prac2, 8, 2))),
    ).rejects.toMatchObject({ code: '23P01', constraint: 'consultations_no_overlap_employee' });
  });

  it('an employee books only for itself, in its company, as SCHEDULED', async () => {
    await expect(asApp(ctx.empA1, (c) => insert(c, 'consultations', consultationRow(id(), F.companyA, F.empA2, F.prac1, 8, 6)))).rejects.toMatchObject({ code: '42501' });
    await expect(asApp(ctx.empA1, (c) => insert(c, 'consultations', consultationRow(id(), F.companyB, F.empA1, F.prac1, 8, 6)))).rejects.toMatchObject({ code: '42501' });
    await expect(
      asApp(ctx.empA1, (c) => insert(c, 'consultations', { ...consultationRow(id(), F.companyA, F.empA1, F.prac1, 8, 6), status: 'COMPLETED', started_at: at(8, 0, 6), ended_at: at(9, 0, 6) })),
    ).rejects.toMatchObject({ code: '42501' });
  });
});

describe('report views', () => {
  it('refresh through the system role counts the completed consultation (in Europe/Paris months)', async () => {
    await sys.query('SELECT refresh_employee_stats(), refresh_practitioner_stats()');
    const emp = await sys.query('SELECT consultation_count, total_duration_seconds, total_duration_minutes, period FROM employee_usage_stats WHERE employee_id = $1 AND period IS NOT NULL', [F.empA1]);
    expect(emp.rows).toHaveLength(1);
    expect(emp.rows[0]).toMatchObject({ consultation_count: 1, total_duration_minutes: 50 });
    expect(Number(emp.rows[0].total_duration_seconds)).toBe(3000);
    const prac = await sys.query('SELECT consultation_count, total_duration_minutes, avg_duration_minutes, company_id FROM practitioner_billing_stats WHERE practitioner_id = $1 AND period IS NOT NULL', [F.prac1]);
    expect(prac.rows).toEqual([{ consultation_count: 1, total_duration_minutes: 50, avg_duration_minutes: 50, company_id: F.companyA }]);
    // Employees without consultations still have their (NULL-period) row.
    expect(await sys.query('SELECT consultation_count FROM employee_usage_stats WHERE employee_id = $1', [F.empB1]).then((r) => r.rows)).toEqual([{ consultation_count: 0 }]);
  });
});
