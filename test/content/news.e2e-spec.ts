import { NotificationType, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { bearer, createCompany, createUser, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

describe('company news (N1–N5)', () => {
  let t: TestContext;
  let co: TestCompany;
  let other: TestCompany;
  let rh: TestUser;
  let rhOther: TestUser;
  let marketing: TestUser;
  let sales: TestUser;
  let noDept: TestUser;
  let muted: TestUser;
  let outsider: TestUser;
  const as = (u: TestUser) => bearer(signAccessToken(u));

  async function employee(company: TestCompany, department: string | null): Promise<TestUser> {
    const u = await createUser(t.db, Role.EMPLOYEE, { company });
    await t.db.employee.update({ where: { id: u.employeeId! }, data: { department } });
    return u;
  }
  const notificationsOf = (u: TestUser) => t.db.notification.findMany({ where: { userId: u.id, type: NotificationType.NEWS_PUBLISHED } });
  const feedIds = async (u: TestUser) => ((await t.http.get('/api/news/company').set(as(u))).body.news as { id: string }[]).map((n) => n.id);

  beforeAll(async () => {
    t = await startTestApp();
    co = await createCompany(t.db);
    other = await createCompany(t.db);
    rh = await createUser(t.db, Role.ADMIN_RH, { company: co });
    rhOther = await createUser(t.db, Role.ADMIN_RH, { company: other });
    marketing = await employee(co, 'Marketing');
    sales = await employee(co, 'Ventes');
    noDept = await employee(co, null);
    muted = await employee(co, 'Marketing');
    outsider = await employee(other, 'Marketing');
    await t.db.notificationPreference.create({ data: { userId: muted.id, type: NotificationType.NEWS_PUBLISHED, inApp: false, email: false } });
  });
  afterAll(() => t?.close());

  it('N1 to everyone: published at once, generic NEWS_PUBLISHED to every employee of the company per preferences', async () => {
    const res = await t.http.post('/api/news').set(as(rh)).send({ title: 'Séminaire bien-être', content: '<p>Rendez-vous jeudi.</p><script>alert(1)</script>' });
    expect(res.status).toBe(201);
    expect(res.body.news).toMatchObject({ title: 'Séminaire bien-être', content: '<p>Rendez-vous jeudi.</p>', targetDepartments: [], authorName: 'Ressources humaines' });
    expect(res.body.news.publishedAt).toBeTruthy();

    for (const u of [marketing, sales, noDept]) {
      const mail = await t.sink.waitForTo(u.email, 'Nouvelle actualité');
      expect(mail.text).not.toContain('Séminaire');
    }
    for (const u of [marketing, sales, noDept]) {
      const [n] = await notificationsOf(u);
      expect(n).toMatchObject({ title: 'Nouvelle actualité', message: 'Votre entreprise a publié une nouvelle actualité.', metadata: { newsId: res.body.news.id } });
    }
    expect(await notificationsOf(muted)).toHaveLength(0); // in-app and e-mail off for NEWS_PUBLISHED
    expect(t.sink.mails.some((m) => m.to.includes(muted.email))).toBe(false);
    expect(await notificationsOf(outsider)).toHaveLength(0);
    expect(await t.db.auditLog.count({ where: { resource: 'news', resourceId: res.body.news.id, details: { path: ['event'], equals: 'NEWS_PUBLISHED' } } })).toBe(1);
  });

  it('department targeting: names matched without case, only those employees notified and shown the item', async () => {
    const all = (await t.http.post('/api/news').set(as(rh)).send({ title: 'Pour tous', content: 'Bonjour à tous' })).body.news;
    const res = await t.http.post('/api/news').set(as(rh)).send({ title: 'Marketing seulement', content: 'Réunion', targetDepartments: ['marketing'] });
    expect(res.status).toBe(201);
    expect(res.body.news.targetDepartments).toEqual(['Marketing']);
    const targeted = res.body.news.id;
    // one e-mail per news so far: test 1's, "Pour tous" and this one (rows are written before e-mails)
    await t.sink.waitForCount((m) => m.to.includes(marketing.email), 3);

    expect((await notificationsOf(marketing)).some((n) => (n.metadata as { newsId: string }).newsId === targeted)).toBe(true);
    expect((await notificationsOf(sales)).some((n) => (n.metadata as { newsId: string }).newsId === targeted)).toBe(false);
    expect((await notificationsOf(noDept)).some((n) => (n.metadata as { newsId: string }).newsId === targeted)).toBe(false);

    expect(await feedIds(marketing)).toEqual(expect.arrayContaining([targeted, all.id]));
    expect(await feedIds(sales)).toContain(all.id);
    expect(await feedIds(sales)).not.toContain(targeted);
    expect(await feedIds(noDept)).not.toContain(targeted);
    expect(await feedIds(outsider)).toEqual([]); // another company's news, even for its own "Marketing"
    const feed = await t.http.get('/api/news/company?limit=1').set(as(marketing));
    expect(feed.body).toMatchObject({ page: 1, limit: 1 });
    expect(feed.body.news[0].id).toBe(targeted); // newest first
  });

  it('unknown departments are a 400 naming each one; nothing is written or sent', async () => {
    const before = [await t.db.news.count(), await t.db.outboxMessage.count()];
    const res = await t.http.post('/api/news').set(as(rh)).send({ title: 'x', content: 'y', targetDepartments: ['Marketing', 'Finance', 'Ventes', 'R&D'] });
    expect([res.status, res.body.error.code]).toEqual([400, 'UNKNOWN_DEPARTMENT']);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['targetDepartments.1', 'targetDepartments.3']);
    // a department of ANOTHER company is unknown here
    const elsewhere = await t.http.post('/api/news').set(as(rhOther)).send({ title: 'x', content: 'y', targetDepartments: ['Ventes'] });
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([400, 'UNKNOWN_DEPARTMENT']);
    expect([await t.db.news.count(), await t.db.outboxMessage.count()]).toEqual(before);
  });

  it('bad input: 400 with field details, script-only content refused, nothing written', async () => {
    const before = await t.db.news.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ content: 'c' }, 'title'],
      [{ title: '  ', content: 'c' }, 'title'],
      [{ title: 't', content: '' }, 'content'],
      [{ title: 't', content: '<script>alert(1)</script>' }, 'content'],
      [{ title: 't', content: 'c', imageUrl: 'javascript:alert(1)' }, 'imageUrl'],
      [{ title: 't', content: 'c', targetDepartments: 'Marketing' }, 'targetDepartments'],
      [{ title: 't', content: 'c', targetDepartments: [''] }, 'targetDepartments'],
      [{ title: 't', content: 'x'.repeat(50_001) }, 'content'],
      [{ title: 't', content: 'c', companyId: other.id }, 'companyId'],
      [{ title: 't', content: 'c', authorId: rhOther.id }, 'authorId'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.http.post('/api/news').set(as(rh)).send(payload);
      expect([res.status, res.body.error.code], JSON.stringify(payload).slice(0, 60)).toEqual([400, 'VALIDATION_ERROR']);
      expect(res.body.error.details.map((d: { field: string }) => d.field.split('.')[0])).toContain(field);
    }
    expect((await t.http.post('/api/news').set(as(rh)).send({ title: 't', content: 'x'.repeat(1_100_000) })).status).toBe(413);
    expect(await t.db.news.count()).toBe(before);
  });

  it('N2 lists the own company only; N4/N5 on another company’s news are 404; N4 edits and sanitises', async () => {
    const mine = (await t.http.post('/api/news').set(as(rh)).send({ title: 'À modifier', content: 'v1' })).body.news;
    const theirs = (await t.http.post('/api/news').set(as(rhOther)).send({ title: 'Autre entreprise', content: 'secret' })).body.news;

    const list = await t.http.get('/api/news?limit=100').set(as(rh));
    expect(list.status).toBe(200);
    const ids = list.body.news.map((n: { id: string }) => n.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect(list.body.total).toBe(await t.db.news.count({ where: { companyId: co.id } }));

    for (const res of [
      await t.http.put(`/api/news/${theirs.id}`).set(as(rh)).send({ title: 'pwned' }),
      await t.http.delete(`/api/news/${theirs.id}`).set(as(rh)),
      await t.http.put(`/api/news/${randomUUID()}`).set(as(rh)).send({ title: 'x' }),
      await t.http.delete(`/api/news/${randomUUID()}`).set(as(rh)),
    ]) {
      expect([res.status, res.body.error.code]).toEqual([404, 'NOT_FOUND']);
    }
    expect((await t.db.news.findUniqueOrThrow({ where: { id: theirs.id } })).title).toBe('Autre entreprise');
    expect((await t.http.put('/api/news/nope').set(as(rh)).send({ title: 'x' })).status).toBe(400);

    const edit = await t.http.put(`/api/news/${mine.id}`).set(as(rh)).send({ content: '<p onclick="x()">v2</p><img src="x" onerror="alert(1)">', targetDepartments: ['VENTES'] });
    expect(edit.status).toBe(200);
    expect(edit.body.news).toMatchObject({ title: 'À modifier', content: '<p>v2</p>', targetDepartments: ['Ventes'] });
    const badDept = await t.http.put(`/api/news/${mine.id}`).set(as(rh)).send({ targetDepartments: ['Inconnu'] });
    expect([badDept.status, badDept.body.error.code]).toEqual([400, 'UNKNOWN_DEPARTMENT']);

    const del = await t.http.delete(`/api/news/${mine.id}`).set(as(rh));
    expect([del.status, del.body.message]).toEqual([200, 'Actualité supprimée']);
    expect(await t.db.news.count({ where: { id: mine.id } })).toBe(0);
  });

  it('a company without allowInternalNews: create and edit are 403 NEWS_DISABLED, deleting old items still works', async () => {
    const off = await createCompany(t.db);
    const offRh = await createUser(t.db, Role.ADMIN_RH, { company: off });
    const old = (await t.http.post('/api/news').set(as(offRh)).send({ title: 'Ancienne', content: 'c' })).body.news;
    await t.db.company.update({ where: { id: off.id }, data: { allowInternalNews: false } });

    const create = await t.http.post('/api/news').set(as(offRh)).send({ title: 'Nouvelle', content: 'c' });
    expect([create.status, create.body.error.code]).toEqual([403, 'NEWS_DISABLED']);
    const edit = await t.http.put(`/api/news/${old.id}`).set(as(offRh)).send({ title: 'Modifiée' });
    expect([edit.status, edit.body.error.code]).toEqual([403, 'NEWS_DISABLED']);
    expect(await t.db.news.findMany({ where: { companyId: off.id }, select: { title: true } })).toEqual([{ title: 'Ancienne' }]);
    expect((await t.http.delete(`/api/news/${old.id}`).set(as(offRh))).status).toBe(200);
  });

  it('roles: HR writes and lists, employees read their feed, nobody else (403); no token is 401', async () => {
    const item = (await t.http.post('/api/news').set(as(rh)).send({ title: 'Rôles', content: 'c' })).body.news;
    const callers = await Promise.all([Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.PRACTITIONER].map((r) => createUser(t.db, r)));
    for (const u of [...callers, marketing]) {
      for (const res of [
        await t.http.post('/api/news').set(as(u)).send({ title: 't', content: 'c' }),
        await t.http.get('/api/news').set(as(u)),
        await t.http.put(`/api/news/${item.id}`).set(as(u)).send({ title: 'x' }),
        await t.http.delete(`/api/news/${item.id}`).set(as(u)),
      ]) {
        expect([res.status, res.body.error.code], u.role).toEqual([403, 'FORBIDDEN']);
      }
    }
    for (const u of [...callers, rh]) {
      expect((await t.http.get('/api/news/company').set(as(u))).status, u.role).toBe(403);
    }
    for (const res of [
      await t.http.post('/api/news').send({ title: 't', content: 'c' }),
      await t.http.get('/api/news'),
      await t.http.get('/api/news/company'),
      await t.http.put(`/api/news/${item.id}`).send({ title: 'x' }),
      await t.http.delete(`/api/news/${item.id}`),
    ]) {
      expect(res.status).toBe(401);
    }
    expect((await t.db.news.findUniqueOrThrow({ where: { id: item.id } })).title).toBe('Rôles');
  });
});
