// Row Level Security and privileges of the blog, company news and crisis contacts, proven at SQL level as
// huntzen_app (ARCHITECTURE §4, §8): fixtures through the system role, assertions as the app role with the
// context set exactly as the app sets it (or none).
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { insert, openRlsDb, type Ctx, type RlsDb, type Role, type Row } from '../helpers/rls.js';



let db: RlsDb;
let app: pg.Pool;
let sys: pg.Pool;
const asApp = <T>(c: Ctx | null, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => db.asApp(c, fn);
const tag = randomUUID().slice(0, 8);
const id = () => randomUUID();


const ids = (ctx: Ctx | null, table: string, where = 'true', params: unknown[] = []) =>
  asApp(ctx, async (c) => (await c.query(`SELECT id FROM ${table} WHERE ${where} ORDER BY id`, params)).rows.map((r) => r.id as string));
const affected = (ctx: Ctx | null, sql: string, params: unknown[] = []) => asApp(ctx, async (c) => (await c.query(sql, params)).rowCount);
const sysOne = async (sql: string, params: unknown[] = []) => (await sys.query(sql, params)).rows[0];

const F = {
  coA: id(), coB: id(), coOff: id(),
  uRhA: id(), uRhB: id(), uRhOff: id(), uMkt: id(), uSales: id(), uB: id(), uPrac: id(), uSuper: id(), uHz: id(),
  eMkt: id(), eSales: id(), eB: id(), prac: id(),
  draft: id(), published: id(), scheduled: id(),
  newsAll: id(), newsMkt: id(), newsB: id(), newsOff: id(),
};
const ctx = {} as Record<'rhA' | 'rhB' | 'rhOff' | 'mkt' | 'sales' | 'empB' | 'prac' | 'superAdmin' | 'huntzen', Ctx>;
const DENIED = { code: '42501' };

function article(aid: string, status: string, over: Row = {}): Row {
  const now = new Date();
  return {
    id: aid, title: `t ${status}`, slug: `rls-content-${tag}-${aid.slice(0, 8)}`, excerpt: 'e', content: 'c', category: 'WELLBEING', status,
    published_at: status === 'PUBLISHED' ? now : null, scheduled_for: status === 'SCHEDULED' ? new Date(Date.now() + 86400_000) : null,
    author_id: F.uHz, author_role: 'ADMIN_HUNTZEN', author_name: 'n', updated_at: now, ...over,
  };
}
const news = (nid: string, companyId: string, authorId: string, targets: string[]): Row => ({
  id: nid, company_id: companyId, title: 't', content: 'c', author_id: authorId, author_name: 'RH', target_departments: targets, updated_at: new Date(),
});

beforeAll(async () => {
  db = openRlsDb();
  ({ app, sys } = db);
  const now = new Date();
  const company = (cid: string, name: string, allowNews = true) => ({
    id: cid, name, slug: `rls-content-${name}-${tag}`, email_domains: [`@${name}-${tag}.test`], is_active: true, validated_at: now, allow_internal_news: allowNews, updated_at: now,
  });
  await insert(sys, 'companies', company(F.coA, 'a'));
  await insert(sys, 'companies', company(F.coB, 'b'));
  await insert(sys, 'companies', company(F.coOff, 'off', false));
  const user = (uid: string, role: Role, companyId: string | null) => ({
    id: uid, email: `${role.toLowerCase()}-${uid.slice(0, 8)}-${tag}@example.test`, password_hash: 'x', role, company_id: companyId, is_active: true, email_verified: true, updated_at: now,
  });
  for (const [uid, role, cid] of [
    [F.uRhA, 'ADMIN_RH', F.coA], [F.uRhB, 'ADMIN_RH', F.coB], [F.uRhOff, 'ADMIN_RH', F.coOff], [F.uMkt, 'EMPLOYEE', F.coA], [F.uSales, 'EMPLOYEE', F.coA],
    [F.uB, 'EMPLOYEE', F.coB], [F.uPrac, 'PRACTITIONER', null], [F.uSuper, 'SUPER_ADMIN', null], [F.uHz, 'ADMIN_HUNTZEN', null],
  ] as [string, Role, string | null][]) {
    await insert(sys, 'users', user(uid, role, cid));
  }
  const employee = (eid: string, uid: string, cid: string, department: string) => ({ id: eid, user_id: uid, company_id: cid, first_name: 'E', last_name: 'X', department, updated_at: now });
  await insert(sys, 'employees', employee(F.eMkt, F.uMkt, F.coA, 'Marketing'));
  await insert(sys, 'employees', employee(F.eSales, F.uSales, F.coA, 'Ventes'));
  await insert(sys, 'employees', employee(F.eB, F.uB, F.coB, 'Marketing'));
  await insert(sys, 'practitioners', { id: F.prac, user_id: F.uPrac, first_name: 'P', last_name: 'X', title: 'Dr.', specialty: 'PSYCHIATRE', bio: 'b', updated_at: now });

  await insert(sys, 'articles', article(F.draft, 'DRAFT'));
  await insert(sys, 'articles', article(F.published, 'PUBLISHED'));
  await insert(sys, 'articles', article(F.scheduled, 'SCHEDULED'));
  await insert(sys, 'news', news(F.newsAll, F.coA, F.uRhA, []));
  await insert(sys, 'news', news(F.newsMkt, F.coA, F.uRhA, ['Marketing']));
  await insert(sys, 'news', news(F.newsB, F.coB, F.uRhB, []));
  await insert(sys, 'news', news(F.newsOff, F.coOff, F.uRhOff, []));

  ctx.rhA = { userId: F.uRhA, role: 'ADMIN_RH', companyId: F.coA };
  ctx.rhB = { userId: F.uRhB, role: 'ADMIN_RH', companyId: F.coB };
  ctx.rhOff = { userId: F.uRhOff, role: 'ADMIN_RH', companyId: F.coOff };
  ctx.mkt = { userId: F.uMkt, role: 'EMPLOYEE', companyId: F.coA, employeeId: F.eMkt };
  ctx.sales = { userId: F.uSales, role: 'EMPLOYEE', companyId: F.coA, employeeId: F.eSales };
  ctx.empB = { userId: F.uB, role: 'EMPLOYEE', companyId: F.coB, employeeId: F.eB };
  ctx.prac = { userId: F.uPrac, role: 'PRACTITIONER', practitionerId: F.prac };
  ctx.superAdmin = { userId: F.uSuper, role: 'SUPER_ADMIN' };
  ctx.huntzen = { userId: F.uHz, role: 'ADMIN_HUNTZEN' };
});

afterAll(async () => {
  await db?.close();
});

const ARTICLES = () => [F.draft, F.published, F.scheduled].sort();

describe('articles', () => {
  it('without context and for non-authors: published rows only, and no write at all', async () => {
    for (const c of [null, ctx.rhA, ctx.mkt, ctx.prac]) {
      expect(await ids(c, 'articles', 'id = ANY($1)', [ARTICLES()])).toEqual([F.published]);
      expect(await affected(c, `UPDATE articles SET title = 'pwned' WHERE id = ANY($1)`, [ARTICLES()])).toBe(0);
      expect(await affected(c, `DELETE FROM articles WHERE id = ANY($1)`, [ARTICLES()])).toBe(0);
      await expect(asApp(c, (db) => insert(db, 'articles', article(id(), 'PUBLISHED', { author_id: c?.userId ?? F.uHz })))).rejects.toMatchObject(DENIED);
      // publishing a draft or scheduled article is an update they cannot make either
      expect(await affected(c, `UPDATE articles SET status = 'PUBLISHED', published_at = now() WHERE id = $1`, [F.draft])).toBe(0);
    }
    expect((await sysOne('SELECT count(*)::int AS n FROM articles WHERE id = ANY($1) AND title = $2', [ARTICLES(), 'pwned'])).n).toBe(0);
    expect((await sysOne('SELECT status FROM articles WHERE id = $1', [F.draft])).status).toBe('DRAFT');
  });

  it('authors see every status and write as themselves only', async () => {
    expect(await ids(ctx.huntzen, 'articles', 'id = ANY($1)', [ARTICLES()])).toEqual(ARTICLES());
    expect(await ids(ctx.superAdmin, 'articles', 'id = ANY($1)', [ARTICLES()])).toEqual(ARTICLES());
    // as somebody else, or under another role, or with counters preset: refused
    await expect(asApp(ctx.huntzen, (db) => insert(db, 'articles', article(id(), 'DRAFT', { author_id: F.uSuper })))).rejects.toMatchObject(DENIED);
    await expect(asApp(ctx.huntzen, (db) => insert(db, 'articles', article(id(), 'DRAFT', { author_role: 'SUPER_ADMIN' })))).rejects.toMatchObject(DENIED);
    await expect(asApp(ctx.huntzen, (db) => insert(db, 'articles', article(id(), 'DRAFT', { view_count: 500 })))).rejects.toMatchObject(DENIED);
    const mine = id();
    await asApp(ctx.superAdmin, (db) => insert(db, 'articles', article(mine, 'DRAFT', { author_id: F.uSuper, author_role: 'SUPER_ADMIN' })));
    expect(await affected(ctx.huntzen, `UPDATE articles SET title = 'edited' WHERE id = $1`, [mine])).toBe(1);
  });

  it('author, creation date and counters are immutable for the app role, authors included (column privileges)', async () => {
    for (const set of [`author_id = '${F.uSuper}'`, `author_role = 'SUPER_ADMIN'`, `author_name = 'x'`, 'view_count = 100000', 'share_count = 5', 'created_at = now()', `id = '${id()}'`]) {
      await expect(affected(ctx.huntzen, `UPDATE articles SET ${set} WHERE id = $1`, [F.published]), set).rejects.toMatchObject(DENIED);
    }
    const row = await sysOne('SELECT author_id, view_count FROM articles WHERE id = $1', [F.published]);
    expect(row.author_id).toBe(F.uHz);
  });

  it('article_record_view counts a view of a published article only, for anyone; the owner-only policy lends nothing to the app role', async () => {
    const slug = (aid: string) => `rls-content-${tag}-${aid.slice(0, 8)}`;
    const views = async (aid: string) => (await sysOne('SELECT view_count FROM articles WHERE id = $1', [aid])).view_count as number;
    const before = await views(F.published);
    const record = (c: Ctx | null, s: string) => asApp(c, async (db) => (await db.query('SELECT article_record_view($1) AS v', [s])).rows[0].v);
    expect(await record(null, slug(F.published))).toBe(before + 1);
    expect(await record(ctx.mkt, slug(F.published))).toBe(before + 2);
    expect(await record(null, slug(F.draft))).toBeNull();
    expect(await record(ctx.huntzen, slug(F.scheduled))).toBeNull();
    expect([await views(F.draft), await views(F.scheduled)]).toEqual([0, 0]);
    // setting the function's flag by hand does not open the table to the app role
    const crafted = await asApp(ctx.mkt, async (db) => {
      await db.query(`SELECT set_config('app.article_view', 'on', true)`);
      return (await db.query(`UPDATE articles SET title = 'pwned' WHERE id = $1`, [F.published])).rowCount;
    });
    expect(crafted).toBe(0);
  });
});

describe('news', () => {
  const ALL = () => [F.newsAll, F.newsMkt, F.newsB, F.newsOff].sort();

  it('employees read their company’s news addressed to everyone or to their own department', async () => {
    expect(await ids(ctx.mkt, 'news', 'id = ANY($1)', [ALL()])).toEqual([F.newsAll, F.newsMkt].sort());
    expect(await ids(ctx.sales, 'news', 'id = ANY($1)', [ALL()])).toEqual([F.newsAll]);
    expect(await ids(ctx.empB, 'news', 'id = ANY($1)', [ALL()])).toEqual([F.newsB]); // "Marketing" of company B
    // a crafted context naming another company or another employee's profile gains nothing
    expect(await ids({ ...ctx.sales, employeeId: F.eB }, 'news', 'id = $1', [F.newsMkt])).toEqual([]);
    expect(await ids({ ...ctx.empB, companyId: F.coA }, 'news', 'id = ANY($1)', [ALL()])).toEqual([]);
  });

  it('HR sees its own company only; admins, practitioners and no context see nothing', async () => {
    expect(await ids(ctx.rhA, 'news', 'id = ANY($1)', [ALL()])).toEqual([F.newsAll, F.newsMkt].sort());
    for (const c of [null, ctx.superAdmin, ctx.huntzen, ctx.prac]) expect(await ids(c, 'news', 'id = ANY($1)', [ALL()])).toEqual([]);
  });

  it('only HR writes, in its own company, as itself, while the company allows news', async () => {
    await expect(asApp(ctx.rhA, (db) => insert(db, 'news', news(id(), F.coB, F.uRhA, [])))).rejects.toMatchObject(DENIED);
    await expect(asApp(ctx.rhA, (db) => insert(db, 'news', news(id(), F.coA, F.uRhB, [])))).rejects.toMatchObject(DENIED);
    await expect(asApp(ctx.rhA, (db) => insert(db, 'news', { ...news(id(), F.coA, F.uRhA, []), view_count: 9 }))).rejects.toMatchObject(DENIED);
    await expect(asApp(ctx.rhOff, (db) => insert(db, 'news', news(id(), F.coOff, F.uRhOff, [])))).rejects.toMatchObject(DENIED);
    for (const c of [ctx.mkt, ctx.huntzen, ctx.superAdmin, ctx.prac]) {
      await expect(asApp(c, (db) => insert(db, 'news', news(id(), F.coA, c.userId, [])))).rejects.toMatchObject(DENIED);
      expect(await affected(c, `UPDATE news SET title = 'pwned' WHERE id = ANY($1)`, [ALL()])).toBe(0);
      expect(await affected(c, `DELETE FROM news WHERE id = ANY($1)`, [ALL()])).toBe(0);
    }
    expect(await affected(ctx.rhA, `UPDATE news SET title = 'pwned' WHERE id = $1`, [F.newsB])).toBe(0);
    expect(await affected(ctx.rhA, `DELETE FROM news WHERE id = $1`, [F.newsB])).toBe(0);
    // switched off: no edit (the row stays as it was), deletion still allowed
    await expect(affected(ctx.rhOff, `UPDATE news SET title = 'edited' WHERE id = $1`, [F.newsOff])).rejects.toMatchObject(DENIED);
    const own = await asApp(ctx.rhA, (db) => insert(db, 'news', news(id(), F.coA, F.uRhA, ['Ventes'])));
    expect(await affected(ctx.rhA, `UPDATE news SET title = 'edited', target_departments = '{}' WHERE id = $1`, [own])).toBe(1);
    expect((await sysOne('SELECT count(*)::int AS n FROM news WHERE id = ANY($1) AND title = $2', [ALL(), 'pwned'])).n).toBe(0);
  });

  it('company, author, publication date and counter never change (column privileges)', async () => {
    for (const set of [`company_id = '${F.coB}'`, `author_id = '${F.uRhB}'`, `author_name = 'x'`, 'published_at = now()', 'view_count = 99', 'created_at = now()']) {
      await expect(affected(ctx.rhA, `UPDATE news SET ${set} WHERE id = $1`, [F.newsAll]), set).rejects.toMatchObject(DENIED);
    }
  });

  it('an employee cannot move itself into another department (trigger)', async () => {
    await expect(affected(ctx.sales, `UPDATE employees SET department = 'Marketing' WHERE id = $1`, [F.eSales])).rejects.toMatchObject(DENIED);
    await expect(affected(ctx.sales, `UPDATE employees SET position = 'Directeur' WHERE id = $1`, [F.eSales])).rejects.toMatchObject(DENIED);
    expect(await affected(ctx.sales, `UPDATE employees SET bio = 'Bonjour' WHERE id = $1`, [F.eSales])).toBe(1);
    expect(await affected(ctx.rhA, `UPDATE employees SET department = 'Ventes' WHERE id = $1`, [F.eSales])).toBe(1); // HR manages it
    expect((await sysOne('SELECT department FROM employees WHERE id = $1', [F.eSales])).department).toBe('Ventes');
  });
});

describe('companies.crisis_contacts', () => {
  const contacts = JSON.stringify([{ label: 'PAE', phone: '0800 00 00 00' }]);
  const current = async (cid: string) => (await sysOne('SELECT crisis_contacts FROM companies WHERE id = $1', [cid])).crisis_contacts;

  it('HR writes its own company only; employees read theirs and write nothing; others see nothing', async () => {
    expect(await affected(ctx.rhA, `UPDATE companies SET crisis_contacts = $2::jsonb WHERE id = $1`, [F.coA, contacts])).toBe(1);
    expect(await affected(ctx.rhA, `UPDATE companies SET crisis_contacts = $2::jsonb WHERE id = $1`, [F.coB, contacts])).toBe(0);
    expect(await affected(ctx.mkt, `UPDATE companies SET crisis_contacts = '[]' WHERE id = $1`, [F.coA])).toBe(0);
    expect(await affected(ctx.prac, `UPDATE companies SET crisis_contacts = '[]' WHERE id = $1`, [F.coA])).toBe(0);
    expect(await affected(null, `UPDATE companies SET crisis_contacts = '[]' WHERE id = $1`, [F.coA])).toBe(0);
    expect(await current(F.coA)).toEqual([{ label: 'PAE', phone: '0800 00 00 00' }]);
    expect(await current(F.coB)).toEqual([]);
    const read = (c: Ctx | null, cid: string) => asApp(c, async (db) => (await db.query('SELECT crisis_contacts FROM companies WHERE id = $1', [cid])).rows);
    expect(await read(ctx.mkt, F.coA)).toHaveLength(1);
    expect(await read(ctx.empB, F.coA)).toHaveLength(0);
    expect(await read(ctx.prac, F.coA)).toHaveLength(0);
    expect(await read(null, F.coA)).toHaveLength(0);
  });

  it('the database bounds the shape: a list of at most 10 entries', async () => {
    const tooMany = JSON.stringify(Array.from({ length: 11 }, () => ({ label: 'x', phone: '15' })));
    await expect(affected(ctx.rhA, `UPDATE companies SET crisis_contacts = $2::jsonb WHERE id = $1`, [F.coA, tooMany])).rejects.toMatchObject({ code: '23514' });
    await expect(affected(ctx.rhA, `UPDATE companies SET crisis_contacts = '{"label":"x"}' WHERE id = $1`, [F.coA])).rejects.toMatchObject({ code: '23514' });
  });
});
