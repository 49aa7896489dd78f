import { Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { ScheduledArticlesService } from '../../src/modules/articles/scheduled-articles.service.js';
import { bearer, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

const XSS = `<h2 onclick="steal()">Titre</h2><p style="color:red">Texte <a href="javascript:alert(1)">piège</a> <a href="https://ok.example">lien</a></p>
<img src="https://img.example/a.png" onerror="alert(1)" alt="a"><img src="http://img.example/b.png"><script>alert('xss')</script><style>p{}</style><iframe src="https://evil.example"></iframe>`;

describe('blog (B1–B7, §11 A12, B11)', () => {
  let t: TestContext;
  let admin: TestUser;
  let superAdmin: TestUser;
  let employee: TestUser;
  const as = (u: TestUser) => bearer(signAccessToken(u));
  const tag = randomUUID().slice(0, 8);
  const body = (over: Record<string, unknown> = {}) => ({
    title: `Article ${tag} ${randomUUID().slice(0, 6)}`,
    excerpt: 'Un résumé.',
    content: '<p>Un contenu suffisant.</p>',
    category: 'WELLBEING',
    ...over,
  });

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createUser(t.db, Role.ADMIN_HUNTZEN);
    superAdmin = await createUser(t.db, Role.SUPER_ADMIN);
    employee = await createUser(t.db, Role.EMPLOYEE);
  });
  afterAll(() => t?.close());

  it('authors write: slug from the title (accents folded, -2 on collision), author from the caller, reading time', async () => {
    const title = `Thérapie à l'œuvre, Été ${tag}`;
    const words = Array.from({ length: 401 }, (_, i) => `mot${i}`).join(' ');
    const first = await t.http.post('/api/articles').set(as(admin)).send(body({ title, content: `<p>${words}</p>`, status: 'PUBLISHED' }));
    expect(first.status).toBe(201);
    expect(first.body.article).toMatchObject({ slug: `therapie-a-l-oeuvre-ete-${tag}`, status: 'PUBLISHED', readingTimeMinutes: 3, authorName: 'Équipe HuntZen', viewCount: 0 });
    expect(first.body.article.publishedAt).toBeTruthy();
    expect(first.body.article).not.toHaveProperty('authorId');
    const second = await t.http.post('/api/articles').set(as(superAdmin)).send(body({ title }));
    expect(second.status).toBe(201);
    expect(second.body.article).toMatchObject({ slug: `therapie-a-l-oeuvre-ete-${tag}-2`, status: 'DRAFT', publishedAt: null, readingTimeMinutes: 1 });
    const row = await t.db.article.findUniqueOrThrow({ where: { id: second.body.article.id } });
    expect([row.authorId, row.authorRole]).toEqual([superAdmin.id, 'SUPER_ADMIN']);

    // an explicit slug that is taken is a conflict, not a silent suffix
    const taken = await t.http.post('/api/articles').set(as(admin)).send(body({ slug: `therapie-a-l-oeuvre-ete-${tag}` }));
    expect([taken.status, taken.body.error.code, taken.body.error.details[0].field]).toEqual([409, 'ARTICLE_SLUG_TAKEN', 'slug']);
    expect(await t.db.auditLog.count({ where: { resource: 'article', resourceId: first.body.article.id, details: { path: ['event'], equals: 'ARTICLE_PUBLISHED' } } })).toBe(1);
  });

  it('content is sanitised: <script>, on* handlers, javascript: and non-https images never come back', async () => {
    const res = await t.http.post('/api/articles').set(as(admin)).send(body({ content: XSS, status: 'PUBLISHED' }));
    expect(res.status).toBe(201);
    const read = await t.http.get(`/api/articles/${res.body.article.slug}`);
    const stored = (await t.db.article.findUniqueOrThrow({ where: { id: res.body.article.id } })).content;
    for (const html of [res.body.article.content, read.body.article.content, stored]) {
      expect(html).not.toMatch(/<script|onerror|onclick|javascript:|<style|<iframe|style=|http:\/\//i);
      expect(html).toContain('<h2>Titre</h2>');
      expect(html).toContain('<a href="https://ok.example" rel="noopener noreferrer">lien</a>');
      expect(html).toContain('<img src="https://img.example/a.png" alt="a" />');
    }
    // an update is sanitised the same way
    const updated = await t.http.put(`/api/articles/${res.body.article.id}`).set(as(admin)).send({ content: '<p>ok</p><img src=x onerror=alert(1)><script>x</script>' });
    expect(updated.status).toBe(200);
    expect(updated.body.article.content).toBe('<p>ok</p>');
  });

  it('visitors and non-authors read PUBLISHED only; drafts are 404 for them and previewable by authors', async () => {
    const draft = (await t.http.post('/api/articles').set(as(admin)).send(body({ tags: [`only-${tag}`] }))).body.article;
    const pub = (await t.http.post('/api/articles').set(as(admin)).send(body({ tags: [`only-${tag}`], status: 'PUBLISHED' }))).body.article;

    for (const headers of [{}, as(employee), as(await createUser(t.db, Role.ADMIN_RH)), as(await createUser(t.db, Role.PRACTITIONER))]) {
      const read = await t.http.get(`/api/articles/${draft.slug}`).set(headers);
      expect([read.status, read.body.error.code]).toEqual([404, 'NOT_FOUND']);
      // asking for drafts is ignored: non-authors are forced to PUBLISHED
      const list = await t.http.get(`/api/articles?tags=only-${tag}&status=DRAFT`).set(headers);
      expect(list.status).toBe(200);
      expect(list.body.articles.map((a: { id: string }) => a.id)).toEqual([pub.id]);
      expect(list.body).toMatchObject({ total: 1, page: 1, pages: 1 });
      expect(list.body.articles[0]).not.toHaveProperty('content');
    }
    const preview = await t.http.get(`/api/articles/${draft.slug}`).set(as(admin));
    expect([preview.status, preview.body.article.status]).toEqual([200, 'DRAFT']);
    const drafts = await t.http.get(`/api/articles?tags=only-${tag}&status=DRAFT`).set(as(superAdmin));
    expect(drafts.body.articles.map((a: { id: string }) => a.id)).toEqual([draft.id]);
    const all = await t.http.get(`/api/articles?tags=ONLY-${tag}`).set(as(admin));
    expect(all.body.total).toBe(2);

    // a token that is sent must be valid, even on a public route
    const bad = await t.http.get('/api/articles').set(bearer('not-a-jwt'));
    expect([bad.status, bad.body.error.code]).toEqual([401, 'TOKEN_INVALID']);
  });

  it('B2 counts a view, B3 counts a cached render; drafts and previews count nothing', async () => {
    const pub = (await t.http.post('/api/articles').set(as(admin)).send(body({ status: 'PUBLISHED' }))).body.article;
    const draft = (await t.http.post('/api/articles').set(as(admin)).send(body())).body.article;
    expect((await t.http.get(`/api/articles/${pub.slug}`)).body.article.viewCount).toBe(1);
    expect((await t.http.get(`/api/articles/${pub.slug}`).set(as(employee))).body.article.viewCount).toBe(2);
    const view = await t.http.put(`/api/articles/${pub.slug}/view`);
    expect([view.status, view.body.viewCount]).toEqual([200, 3]);
    expect((await t.http.put(`/api/articles/${draft.slug}/view`)).status).toBe(404);
    expect((await t.http.put(`/api/articles/${draft.slug}/view`).set(as(admin))).status).toBe(404);
    expect((await t.http.put('/api/articles/no-such-article/view')).status).toBe(404);
    expect((await t.http.put('/api/articles/NOT%20A%20SLUG/view')).status).toBe(404);
    await t.http.get(`/api/articles/${draft.slug}`).set(as(admin));
    const rows = await t.db.article.findMany({ where: { id: { in: [pub.id, draft.id] } }, orderBy: { status: 'asc' } });
    expect(Object.fromEntries(rows.map((r) => [r.status, r.viewCount]))).toEqual({ DRAFT: 0, PUBLISHED: 3 });
    // a view changes no edit date
    expect(rows.find((r) => r.id === pub.id)!.updatedAt.toISOString()).toBe(pub.updatedAt);
  });

  it('French full-text search ignores accents and plurals; category and tag filters combine', async () => {
    const word = `zq${tag.replace(/\d/g, 'x')}`; // a term only this run uses
    const a = (await t.http.post('/api/articles').set(as(admin)).send(body({ title: `Les thérapies brèves ${word}`, category: 'ANXIETY', tags: ['Stress'], status: 'PUBLISHED' }))).body.article;
    const b = (await t.http.post('/api/articles').set(as(admin)).send(body({ title: `Une therapie de groupe ${word}`, category: 'BURNOUT', tags: ['travail'], status: 'PUBLISHED' }))).body.article;
    const c = (await t.http.post('/api/articles').set(as(admin)).send(body({ title: `Le sommeil ${word}`, content: '<p>Dormir mieux.</p>', category: 'ANXIETY', status: 'PUBLISHED' }))).body.article;
    const hidden = (await t.http.post('/api/articles').set(as(admin)).send(body({ title: `Thérapie cachée ${word}` }))).body.article;
    const ids = async (query: string, headers = {}) =>
      ((await t.http.get(`/api/articles?${query}`).set(headers)).body.articles as { id: string }[]).map((x) => x.id).sort();

    expect(await ids(`q=${encodeURIComponent(`thérapie ${word}`)}`)).toEqual([a.id, b.id].sort());
    expect(await ids(`q=${encodeURIComponent(`therapies ${word}`)}`)).toEqual([a.id, b.id].sort());
    expect(await ids(`q=${encodeURIComponent(`THÉRAPIE ${word}`)}&category=ANXIETY`)).toEqual([a.id]);
    expect(await ids(`q=${word}&category=ANXIETY`)).toEqual([a.id, c.id].sort());
    expect(await ids(`q=${word}&tags=stress,travail`)).toEqual([a.id, b.id].sort());
    expect(await ids(`q=${encodeURIComponent(`thérapie ${word}`)}`, as(admin))).toEqual([a.id, b.id, hidden.id].sort());
    expect(await ids(`q=${encodeURIComponent('"); DROP TABLE articles; --')}`)).toEqual([]);
    // the search uses the GIN expression index (same expression in the query and the index)
    // (sequential scans off: on a small table the planner would rightly prefer one)
    const plan = await t.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL enable_seqscan = off');
      return tx.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
        `EXPLAIN SELECT id FROM articles WHERE article_search_document(title, excerpt, content) @@ websearch_to_tsquery('french', fr_unaccent('therapie'))`,
      );
    });
    expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toMatch(/articles_fulltext_fr_idx/);
  });

  it('scheduled publication: a future date is required, the job publishes what is due, dated when it was due', async () => {
    const past = await t.http.post('/api/articles').set(as(admin)).send(body({ status: 'SCHEDULED', scheduledFor: new Date(Date.now() - 60_000).toISOString() }));
    expect([past.status, past.body.error.details[0].field]).toEqual([400, 'scheduledFor']);
    const missing = await t.http.post('/api/articles').set(as(admin)).send(body({ status: 'SCHEDULED' }));
    expect([missing.status, missing.body.error.details[0].field]).toEqual([400, 'scheduledFor']);
    const notScheduled = await t.http.post('/api/articles').set(as(admin)).send(body({ scheduledFor: new Date(Date.now() + 3600_000).toISOString() }));
    expect([notScheduled.status, notScheduled.body.error.details[0].field]).toEqual([400, 'scheduledFor']);

    const when = new Date(Date.now() + 3600_000);
    const created = await t.http.post('/api/articles').set(as(admin)).send(body({ status: 'SCHEDULED', scheduledFor: when.toISOString() }));
    expect(created.status).toBe(201);
    const later = (await t.http.post('/api/articles').set(as(admin)).send(body({ status: 'SCHEDULED', scheduledFor: new Date(Date.now() + 7 * 86400_000).toISOString() }))).body.article;
    expect((await t.http.get(`/api/articles/${created.body.article.slug}`)).status).toBe(404);

    const scheduler = t.app.get(ScheduledArticlesService);
    expect(await scheduler.publishDue(new Date(when.getTime() - 1000))).not.toContain(created.body.article.id);
    const published = await scheduler.publishDue(new Date(when.getTime() + 1000));
    expect(published).toContain(created.body.article.id);
    expect(published).not.toContain(later.id);
    expect(await scheduler.publishDue(new Date(when.getTime() + 1000))).not.toContain(created.body.article.id); // idempotent

    const read = await t.http.get(`/api/articles/${created.body.article.slug}`);
    expect(read.status).toBe(200);
    expect(read.body.article).toMatchObject({ status: 'PUBLISHED', publishedAt: when.toISOString(), scheduledFor: null });
    expect((await t.http.get(`/api/articles/${later.slug}`)).status).toBe(404);
    expect(await t.db.auditLog.count({ where: { resource: 'article', resourceId: created.body.article.id, userId: 'system' } })).toBe(1);
  });

  it('B5 edits, B7 publishes, B6 deletes; unknown ids are 404 and taken slugs 409', async () => {
    const a = (await t.http.post('/api/articles').set(as(admin)).send(body())).body.article;
    const other = (await t.http.post('/api/articles').set(as(admin)).send(body())).body.article;

    const edit = await t.http.put(`/api/articles/${a.id}`).set(as(superAdmin)).send({ title: 'Nouveau titre', tags: ['A', 'a', 'b'] });
    expect(edit.status).toBe(200);
    expect(edit.body.article).toMatchObject({ title: 'Nouveau titre', slug: a.slug, tags: ['a', 'b'], status: 'DRAFT' });
    const clash = await t.http.put(`/api/articles/${a.id}`).set(as(admin)).send({ slug: other.slug });
    expect([clash.status, clash.body.error.code]).toEqual([409, 'ARTICLE_SLUG_TAKEN']);

    const pub = await t.http.post(`/api/articles/${a.id}/publish`).set(as(admin));
    expect([pub.status, pub.body.article.status]).toEqual([200, 'PUBLISHED']);
    expect((await t.http.get(`/api/articles/${a.slug}`)).status).toBe(200);
    const again = await t.http.post(`/api/articles/${a.id}/publish`).set(as(admin));
    expect(again.body.article.publishedAt).toBe(pub.body.article.publishedAt);
    expect(await t.db.auditLog.count({ where: { resource: 'article', resourceId: a.id, details: { path: ['event'], equals: 'ARTICLE_PUBLISHED' } } })).toBe(1);

    // back to draft: hidden again
    expect((await t.http.put(`/api/articles/${a.id}`).set(as(admin)).send({ status: 'DRAFT' })).body.article.publishedAt).toBeNull();
    expect((await t.http.get(`/api/articles/${a.slug}`)).status).toBe(404);

    const del = await t.http.delete(`/api/articles/${a.id}`).set(as(admin));
    expect([del.status, del.body.message]).toEqual([200, 'Article supprimé']);
    const unknown = randomUUID();
    for (const res of [
      await t.http.delete(`/api/articles/${a.id}`).set(as(admin)),
      await t.http.put(`/api/articles/${unknown}`).set(as(admin)).send({ title: 'x' }),
      await t.http.post(`/api/articles/${unknown}/publish`).set(as(admin)),
    ]) {
      expect([res.status, res.body.error.code]).toEqual([404, 'NOT_FOUND']);
    }
    const badId = await t.http.put('/api/articles/not-a-uuid').set(as(admin)).send({ title: 'x' });
    expect([badId.status, badId.body.error.details[0].field]).toEqual([400, 'id']);
  });

  it('bad input is a 400 with field details (or 413), and nothing is written', async () => {
    const before = await t.db.article.count();
    const cases: [Record<string, unknown>, string][] = [
      [body({ content: '' }), 'content'],
      [body({ content: '<script>alert(1)</script><p> </p>' }), 'content'],
      [body({ title: '   ' }), 'title'],
      [body({ category: 'GOSSIP' }), 'category'],
      [body({ status: 'LIVE' }), 'status'],
      [body({ slug: 'Pas Un Slug' }), 'slug'],
      [body({ coverUrl: 'javascript:alert(1)' }), 'coverUrl'],
      [body({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }), 'tags'],
      [body({ content: 'x'.repeat(200_001) }), 'content'],
      [body({ authorId: randomUUID() }), 'authorId'],
      [body({ viewCount: 1000 }), 'viewCount'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.http.post('/api/articles').set(as(admin)).send(payload);
      expect([res.status, res.body.error.code], JSON.stringify(payload).slice(0, 80)).toEqual([400, 'VALIDATION_ERROR']);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const huge = await t.http.post('/api/articles').set(as(admin)).send(body({ content: 'x'.repeat(1_100_000) }));
    expect([huge.status, huge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const badQuery = await t.http.get('/api/articles?category=GOSSIP&limit=500');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['category', 'limit']);
    const existing = (await t.http.post('/api/articles').set(as(admin)).send(body())).body.article;
    const badUpdate = await t.http.put(`/api/articles/${existing.id}`).set(as(admin)).send({ status: 'SCHEDULED' });
    expect([badUpdate.status, badUpdate.body.error.details[0].field]).toEqual([400, 'scheduledFor']);
    expect((await t.http.put(`/api/articles/${existing.id}`).set(as(admin)).send({ content: '<b></b>' })).status).toBe(400);
    expect(await t.db.article.count()).toBe(before + 1);
    expect((await t.db.article.findUniqueOrThrow({ where: { id: existing.id } })).status).toBe('DRAFT');
  });

  it('only SUPER_ADMIN and ADMIN_HUNTZEN write (403 for the others, 401 without a token)', async () => {
    const a = (await t.http.post('/api/articles').set(as(admin)).send(body())).body.article;
    for (const role of [Role.ADMIN_RH, Role.PRACTITIONER, Role.EMPLOYEE]) {
      const h = as(await createUser(t.db, role));
      for (const res of [
        await t.http.post('/api/articles').set(h).send(body()),
        await t.http.put(`/api/articles/${a.id}`).set(h).send({ title: 'x' }),
        await t.http.delete(`/api/articles/${a.id}`).set(h),
        await t.http.post(`/api/articles/${a.id}/publish`).set(h),
      ]) {
        expect([res.status, res.body.error.code], role).toEqual([403, 'FORBIDDEN']);
      }
    }
    for (const res of [
      await t.http.post('/api/articles').send(body()),
      await t.http.put(`/api/articles/${a.id}`).send({ title: 'x' }),
      await t.http.delete(`/api/articles/${a.id}`),
      await t.http.post(`/api/articles/${a.id}/publish`),
    ]) {
      expect(res.status).toBe(401);
    }
    expect((await t.db.article.findUniqueOrThrow({ where: { id: a.id } })).title).toBe(a.title);
  });
});
