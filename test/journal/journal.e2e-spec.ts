import { Role } from '@prisma/client';
import type { Response } from 'supertest';
import { bearer, createCompany, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { pdfText } from '../helpers/pdf.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

/** Reads a binary body whole (supertest only buffers text and JSON by itself). */
const binary = (res: Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

const fields = (res: Response) => (res.body.error?.details ?? []).map((d: { field?: string }) => d.field);

describe('journal (SPEC §4.10 J1–J5, §4.19 I3, §6.5)', () => {
  let t: TestContext;
  let owner: TestUser;
  let other: TestUser;
  beforeAll(async () => {
    t = await startTestApp();
    const company = await createCompany(t.db);
    owner = await createUser(t.db, Role.EMPLOYEE, { company });
    other = await createUser(t.db, Role.EMPLOYEE, { company });
  });
  afterAll(() => t?.close());

  const as = (u: TestUser) => bearer(signAccessToken(u));
  const write = (u: TestUser, body: Record<string, unknown>) => t.http.post('/api/journal').set(as(u)).send(body);
  const rowsOf = (u: TestUser) => t.db.journalEntry.count({ where: { employeeId: u.employeeId! } });
  /** A fresh employee whose journal holds exactly what the test writes. */
  const freshEmployee = () => createUser(t.db, Role.EMPLOYEE);
  const backdate = (id: string, iso: string) => t.db.journalEntry.update({ where: { id }, data: { createdAt: new Date(iso) } });

  it('J2, J3, J4, J5: writes, reads, edits in part and hard-deletes an entry', async () => {
    const me = await freshEmployee();
    const created = await write(me, { content: '  Réunion difficile, mais j’ai tenu bon.  ', mood: 'BAD', tags: ['Travail', ' travail ', 'Sommeil  léger'] });
    expect(created.status).toBe(201);
    const entry = created.body.entry;
    expect(entry).toMatchObject({ content: 'Réunion difficile, mais j’ai tenu bon.', mood: 'BAD', moodRating: 2, tags: ['travail', 'sommeil léger'] });
    expect(Object.keys(entry).sort()).toEqual(['content', 'createdAt', 'id', 'mood', 'moodRating', 'tags', 'updatedAt']);

    expect((await t.http.get(`/api/journal/${entry.id}`).set(as(me))).body.entry).toEqual(entry);

    // CDC alias: moodRating 1–5 maps onto the enum
    const rated = await write(me, { content: 'Bonne journée', moodRating: 5 });
    expect(rated.body.entry).toMatchObject({ mood: 'VERY_GOOD', moodRating: 5, tags: [] });

    const moodOnly = await t.http.put(`/api/journal/${entry.id}`).set(as(me)).send({ mood: 'GOOD' });
    expect(moodOnly.status).toBe(200);
    expect(moodOnly.body.entry).toMatchObject({ content: entry.content, tags: entry.tags, mood: 'GOOD', moodRating: 4 });
    const contentOnly = await t.http.put(`/api/journal/${entry.id}`).set(as(me)).send({ content: 'Finalement une bonne réunion' });
    expect(contentOnly.body.entry).toMatchObject({ content: 'Finalement une bonne réunion', tags: ['travail', 'sommeil léger'], mood: 'GOOD' });
    const tagsAndClear = await t.http.put(`/api/journal/${entry.id}`).set(as(me)).send({ tags: ['Équipe'], moodRating: null });
    expect(tagsAndClear.body.entry).toMatchObject({ content: 'Finalement une bonne réunion', tags: ['équipe'], mood: null, moodRating: null });
    expect((await t.http.get(`/api/journal/${entry.id}`).set(as(me))).body.entry).toMatchObject({ content: 'Finalement une bonne réunion', tags: ['équipe'], mood: null });
    // the new tags are what filters see
    expect((await t.http.get('/api/journal?tag=équipe').set(as(me))).body.total).toBe(1);
    expect((await t.http.get('/api/journal?tag=travail').set(as(me))).body.total).toBe(0);

    const deleted = await t.http.delete(`/api/journal/${entry.id}`).set(as(me));
    expect([deleted.status, deleted.body]).toEqual([200, { message: 'entry deleted' }]);
    expect(await t.db.journalEntry.count({ where: { id: entry.id } })).toBe(0); // hard delete
    expect((await t.http.get(`/api/journal/${entry.id}`).set(as(me))).status).toBe(404);
    expect((await t.http.delete(`/api/journal/${entry.id}`).set(as(me))).status).toBe(404);

    const audit = await t.db.auditLog.findMany({ where: { resource: 'journal_entry', resourceId: entry.id } });
    expect(audit.map((a) => a.action)).toEqual(['DELETE']);
    expect(JSON.stringify(audit)).not.toMatch(/réunion|travail|équipe/i);
  });

  it('rejects bad input with field details and stable codes, and writes nothing', async () => {
    const me = await freshEmployee();
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'content'],
      [{ content: '   ' }, 'content'],
      [{ content: 42 }, 'content'],
      [{ content: 'x'.repeat(20_001) }, 'content'],
      [{ content: 'ok', mood: 'HAPPY' }, 'mood'],
      [{ content: 'ok', moodRating: 6 }, 'moodRating'],
      [{ content: 'ok', moodRating: 2.5 }, 'moodRating'],
      [{ content: 'ok', mood: 'GOOD', moodRating: 1 }, 'moodRating'],
      [{ content: 'ok', tags: 'travail' }, 'tags'],
      [{ content: 'ok', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags'],
      [{ content: 'ok', tags: ['x'.repeat(33)] }, 'tags'],
      [{ content: 'ok', tags: ['   '] }, 'tags'],
      [{ content: 'ok', tags: ['a,b'] }, 'tags'],
      [{ content: 'ok', tags: [7] }, 'tags'],
      [{ content: 'ok', employeeId: other.employeeId }, 'employeeId'],
    ];
    for (const [body, field] of cases) {
      const res = await write(me, body);
      expect([res.status, res.body.error.code, fields(res)], JSON.stringify(body).slice(0, 80)).toEqual([400, 'VALIDATION_ERROR', expect.arrayContaining([field])]);
      expect(JSON.stringify(res.body)).not.toContain('xxxxxxxxxx'); // no echo of content
    }
    const huge = await write(me, { content: 'x'.repeat(1_100_000) });
    expect([huge.status, huge.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await rowsOf(me)).toBe(0);

    // limits are inclusive
    const atLimit = await write(me, { content: 'y'.repeat(20_000), tags: Array.from({ length: 10 }, (_, i) => `${'t'.repeat(30)}${i}`) });
    expect(atLimit.status).toBe(201);
    const id = atLimit.body.entry.id;

    for (const [body, field] of [[{}, 'content'], [{ content: '' }, 'content'], [{ mood: 'SAD' }, 'mood'], [{ tags: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'] }, 'tags'], [{ mood: 'BAD', moodRating: 5 }, 'moodRating']] as const) {
      const res = await t.http.put(`/api/journal/${id}`).set(as(me)).send(body);
      expect([res.status, res.body.error.code, fields(res)]).toEqual([400, 'VALIDATION_ERROR', expect.arrayContaining([field])]);
    }
    expect((await t.http.get(`/api/journal/${id}`).set(as(me))).body.entry).toMatchObject({ content: 'y'.repeat(20_000), mood: null });

    const badId = await t.http.get('/api/journal/not-a-uuid').set(as(me));
    expect([badId.status, fields(badId)]).toEqual([400, ['id']]);
    for (const [query, field] of [
      ['startDate=2026-13-01', 'startDate'],
      ['endDate=2026-02-30', 'endDate'],
      ['from=yesterday', 'from'],
      ['startDate=2026-03-10&endDate=2026-03-09', 'endDate'],
      ['startDate=2026-03-01&to=2026-03-09', 'from'],
      ['mood=HAPPY', 'mood'],
      ['mood=6', 'mood'],
      ['tag=,', 'tag'],
      ['limit=101', 'limit'],
      ['page=0', 'page'],
    ]) {
      const res = await t.http.get(`/api/journal?${query}`).set(as(me));
      expect([res.status, res.body.error.code, fields(res)], query).toEqual([400, 'VALIDATION_ERROR', expect.arrayContaining([field])]);
    }
    expect(await rowsOf(me)).toBe(1);
  });

  it('J1: filters by period (Europe/Paris days), mood (name or 1–5), tag (any of, case-insensitive) and pages', async () => {
    const me = await freshEmployee();
    const make = async (content: string, at: string, mood?: string, tags?: string[]) => {
      const res = await write(me, { content, mood, tags });
      await backdate(res.body.entry.id, at);
      return res.body.entry.id as string;
    };
    const jan1 = await make('premier', '2026-01-01T09:00:00Z', 'VERY_BAD', ['Travail']);
    const jan2 = await make('deuxième', '2026-01-02T22:30:00Z', 'BAD', ['famille']); // 2026-01-02 23:30 in Paris
    const jan3 = await make('troisième', '2026-01-02T23:30:00Z', 'GOOD', ['travail', 'stress']); // 2026-01-03 00:30 in Paris
    const jan5 = await make('quatrième', '2026-01-05T12:00:00Z', undefined, ['sport']);
    const ids = async (query: string) => {
      const res = await t.http.get(`/api/journal?${query}`).set(as(me));
      expect(res.status, query).toBe(200);
      return res.body.entries.map((e: { id: string }) => e.id);
    };
    expect(await ids('')).toEqual([jan5, jan3, jan2, jan1]); // newest first
    expect(await ids('startDate=2026-01-02&endDate=2026-01-02')).toEqual([jan2]);
    expect(await ids('from=2026-01-03')).toEqual([jan5, jan3]);
    expect(await ids('to=2026-01-02')).toEqual([jan2, jan1]);
    expect(await ids('mood=BAD,VERY_BAD')).toEqual([jan2, jan1]);
    expect(await ids('mood=4')).toEqual([jan3]);
    expect(await ids('tag=TRAVAIL')).toEqual([jan3, jan1]);
    expect(await ids('tag=famille,sport')).toEqual([jan5, jan2]);
    expect(await ids('tag=travail&mood=GOOD&startDate=2026-01-01&endDate=2026-01-31')).toEqual([jan3]);
    expect(await ids('tag=inconnu')).toEqual([]);

    const page = await t.http.get('/api/journal?limit=3&page=2').set(as(me));
    expect(page.body).toMatchObject({ total: 4, page: 2, pages: 2, limit: 3 });
    expect(page.body.entries.map((e: { id: string }) => e.id)).toEqual([jan1]);
    expect(page.body.entries[0]).toMatchObject({ content: 'premier', tags: ['travail'], mood: 'VERY_BAD', moodRating: 1 });
  });

  it('another employee’s entry is not found (404) and stays untouched; its tags match nothing of mine', async () => {
    const mine = await write(owner, { content: 'Mon secret', tags: ['secret'] });
    const id = mine.body.entry.id;
    for (const res of [
      await t.http.get(`/api/journal/${id}`).set(as(other)),
      await t.http.put(`/api/journal/${id}`).set(as(other)).send({ content: 'piraté' }),
      await t.http.delete(`/api/journal/${id}`).set(as(other)),
    ]) {
      expect([res.status, res.body.error.code]).toEqual([404, 'NOT_FOUND']);
      expect(JSON.stringify(res.body)).not.toContain('Mon secret');
    }
    const list = await t.http.get('/api/journal?tag=secret').set(as(other));
    expect(list.body.total).toBe(0);
    const txt = await t.http.get('/api/journal/export?format=txt').set(as(other));
    expect(txt.text).not.toContain('Mon secret');
    expect((await t.http.get(`/api/journal/${id}`).set(as(owner))).body.entry).toMatchObject({ content: 'Mon secret', tags: ['secret'] });
  });

  it('every other role gets 403 on every journal route, anonymous 401', async () => {
    const entry = (await write(owner, { content: 'Réservé à moi' })).body.entry;
    const routes: [string, string][] = [
      ['get', '/api/journal'], ['post', '/api/journal'], ['get', '/api/journal/export?format=pdf'], ['get', '/api/journal/export?format=txt'],
      ['get', '/api/journal/stats'], ['get', `/api/journal/${entry.id}`], ['put', `/api/journal/${entry.id}`], ['delete', `/api/journal/${entry.id}`],
    ];
    for (const role of [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.ADMIN_RH, Role.PRACTITIONER]) {
      const user = await createUser(t.db, role, role === Role.ADMIN_RH ? { company: { id: owner.companyId!, domain: 'x' } } : {});
      for (const [method, url] of routes) {
        const req = t.http[method as 'get'](url).set(as(user));
        const res = await (method === 'get' ? req : req.send({ content: 'x' }));
        expect([res.status, res.body.error?.code], `${role} ${method} ${url}`).toEqual([403, 'FORBIDDEN']);
        expect(res.text).not.toContain('Réservé');
      }
    }
    for (const [method, url] of routes) expect((await t.http[method as 'get'](url)).status).toBe(401);
    expect((await t.http.get(`/api/journal/${entry.id}`).set(as(owner))).body.entry.content).toBe('Réservé à moi');
  });

  it('stores content and tags encrypted: no plaintext in the row, 32-hex IV and tag, tags only as keyed hashes', async () => {
    const me = await freshEmployee();
    const content = 'Je me sens épuisée par le projet Zéphyr';
    const a = (await write(me, { content, tags: ['burnout', 'zéphyr'] })).body.entry;
    const b = (await write(me, { content: 'Autre jour', tags: ['burnout'] })).body.entry;
    const c = (await write(other, { content: 'Rien', tags: ['burnout'] })).body.entry;
    const rows = await t.db.$queryRaw<{ id: string; row: string }[]>`SELECT id::text, row_to_json(j)::text AS row FROM journal_entries j WHERE id IN (${a.id}::uuid, ${b.id}::uuid, ${c.id}::uuid)`;
    expect(rows).toHaveLength(3);
    for (const { row } of rows) {
      for (const secret of [content, 'épuisée', 'Zéphyr', 'zéphyr', 'burnout', 'Autre jour', Buffer.from('burnout').toString('hex'), Buffer.from('épuisée').toString('hex')]) {
        expect(row.toLowerCase()).not.toContain(secret.toLowerCase());
      }
    }
    const stored = await t.db.journalEntry.findUniqueOrThrow({ where: { id: a.id } });
    expect(stored.iv).toMatch(/^[0-9a-f]{32}$/);
    expect(stored.authTag).toMatch(/^[0-9a-f]{32}$/);
    expect(stored.tagHashes).toHaveLength(2);
    const hashesOf = async (id: string) => (await t.db.journalEntry.findUniqueOrThrow({ where: { id } })).tagHashes;
    // equality within one owner's journal is what the hashes reveal; across owners the same tag differs
    const [ha, hb, hc] = [await hashesOf(a.id), await hashesOf(b.id), await hashesOf(c.id)];
    expect(hb).toHaveLength(1);
    expect(ha).toContain(hb[0]);
    expect(hc).toHaveLength(1);
    expect(hc[0]).not.toBe(hb[0]);
  });

  it('a ciphertext moved to another entry (same owner or not) does not decrypt: a clean 422, never the other entry’s content', async () => {
    const me = await freshEmployee();
    const x = (await write(me, { content: 'Contenu X confidentiel', tags: ['x'] })).body.entry;
    const y = (await write(me, { content: 'Contenu Y confidentiel', tags: ['y'] })).body.entry;
    const z = (await write(other, { content: 'Contenu Z confidentiel' })).body.entry;
    const envelope = async (id: string) => {
      const r = await t.db.journalEntry.findUniqueOrThrow({ where: { id } });
      return { encryptedContent: r.encryptedContent, iv: r.iv, authTag: r.authTag, encryptedDek: r.encryptedDek, dekIv: r.dekIv, dekAuthTag: r.dekAuthTag, keyVersion: r.keyVersion };
    };
    const [ex, ey, ez] = [await envelope(x.id), await envelope(y.id), await envelope(z.id)];
    await t.db.journalEntry.update({ where: { id: x.id }, data: ey });
    await t.db.journalEntry.update({ where: { id: y.id }, data: ex });
    for (const res of [
      await t.http.get(`/api/journal/${x.id}`).set(as(me)),
      await t.http.get(`/api/journal/${y.id}`).set(as(me)),
      await t.http.get('/api/journal').set(as(me)),
      await t.http.put(`/api/journal/${x.id}`).set(as(me)).send({ mood: 'GOOD' }),
      await t.http.get('/api/journal/export?format=txt').set(as(me)),
    ]) {
      expect([res.status, res.body.error?.code]).toEqual([422, 'JOURNAL_ENTRY_UNREADABLE']);
      expect(res.text).not.toMatch(/Contenu|confidentiel/);
    }
    // another owner's ciphertext (its AAD names that owner) does not open here either
    await t.db.journalEntry.update({ where: { id: x.id }, data: ez });
    const moved = await t.http.get(`/api/journal/${x.id}`).set(as(me));
    expect([moved.status, moved.body.error.details]).toEqual([422, [{ field: 'id', message: x.id }]]);
    expect(moved.text).not.toContain('Contenu Z');
    // the owner can still delete the broken entry; put back, the other one reads again
    expect((await t.http.delete(`/api/journal/${x.id}`).set(as(me))).status).toBe(200);
    await t.db.journalEntry.update({ where: { id: y.id }, data: ey });
    expect((await t.http.get(`/api/journal/${y.id}`).set(as(me))).body.entry.content).toBe('Contenu Y confidentiel');
  });

  it('I3: exports as TXT and as a real PDF, streamed as an attachment, oldest first, across batches and filtered', async () => {
    const me = await freshEmployee();
    const first = (await write(me, { content: 'Première page du journal : « ça va mieux »', mood: 'GOOD', tags: ['thérapie'] })).body.entry;
    await backdate(first.id, '2025-06-01T08:00:00Z');
    // more than one batch of 100, so later batches are read while streaming (outside the request context)
    for (let i = 0; i < 105; i += 15) {
      await Promise.all(Array.from({ length: Math.min(15, 105 - i) }, (_, k) => write(me, { content: `Entrée numéro ${String(i + k).padStart(3, '0')}`, mood: 'NEUTRAL' })));
    }
    const last = (await write(me, { content: 'Dernière entrée 😀 œuvre', mood: 'VERY_BAD' })).body.entry;
    await backdate(last.id, '2099-01-01T08:00:00Z');

    const txt = await t.http.get('/api/journal/export?format=txt').set(as(me));
    expect(txt.status).toBe(200);
    expect(txt.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(txt.headers['content-disposition']).toMatch(/^attachment; filename="journal-\d{4}-\d{2}-\d{2}\.txt"$/);
    expect(txt.headers['content-length']).toBeUndefined(); // streamed (chunked), not buffered
    expect(txt.text).toContain('Première page du journal : « ça va mieux »');
    expect(txt.text).toContain('Humeur : Bien (4/5) · Étiquettes : thérapie');
    expect(txt.text).toContain('Dernière entrée 😀 œuvre');
    expect(txt.text.match(/Entrée numéro \d{3}/g)).toHaveLength(105);
    expect(txt.text.indexOf('Première page')).toBeLessThan(txt.text.indexOf('Entrée numéro'));
    expect(txt.text.lastIndexOf('Entrée numéro')).toBeLessThan(txt.text.indexOf('Dernière entrée'));

    const pdf = await t.http.get('/api/journal/export?format=pdf').set(as(me)).buffer(true).parse(binary);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toMatch(/^attachment; filename="journal-\d{4}-\d{2}-\d{2}\.pdf"$/);
    const bytes = pdf.body as Buffer;
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    const text = pdfText(bytes);
    expect(text).toContain('Première page du journal : « ça va mieux »');
    expect(text).toContain('Entrée numéro 104');
    expect(text).toContain('Dernière entrée ? œuvre'); // outside WinAnsi → "?"
    expect(bytes.toString('latin1')).not.toContain('Première page'); // compressed, not stored in clear

    // the same filters as J1
    const filtered = pdfText((await t.http.get('/api/journal/export?format=pdf&mood=GOOD&tag=Thérapie').set(as(me)).buffer(true).parse(binary)).body);
    expect(filtered).toContain('Première page du journal');
    expect(filtered).not.toContain('Entrée numéro');
    const dated = await t.http.get('/api/journal/export?format=txt&startDate=2099-01-01').set(as(me));
    expect(dated.text).toContain('Dernière entrée');
    expect(dated.text).not.toContain('Première page');

    const bad = await t.http.get('/api/journal/export?format=docx').set(as(me));
    expect([bad.status, fields(bad)]).toEqual([400, ['format']]);
    const audit = await t.db.auditLog.findMany({ where: { resource: 'journal_entry', action: 'EXPORT', userId: me.id } });
    expect(audit.length).toBe(4); // txt, pdf, filtered pdf, dated txt (not the refused docx)
    expect(JSON.stringify(audit)).not.toMatch(/Première|Entrée|thérapie/);

    // an empty journal still exports a valid document
    const empty = await freshEmployee();
    const none = await t.http.get('/api/journal/export').set(as(empty)).buffer(true).parse(binary);
    expect([none.status, (none.body as Buffer).subarray(0, 5).toString('latin1')]).toEqual([200, '%PDF-']);
    expect(pdfText(none.body)).toContain('Mon journal');
  });

  it('stats: entries per mood per ISO week (Monday, Europe/Paris), every week of the period, owner only', async () => {
    const me = await freshEmployee();
    const at = async (iso: string, mood?: string) => backdate((await write(me, { content: 'x', mood })).body.entry.id, iso);
    await at('2025-12-29T10:00:00Z', 'BAD'); // Monday of ISO week 2026-W01
    await at('2026-01-04T22:30:00Z', 'GOOD'); // Sunday 23:30 in Paris: still W01
    await at('2026-01-04T23:30:00Z', 'GOOD'); // Monday 00:30 in Paris: W02
    await at('2026-01-06T12:00:00Z'); // no mood
    await at('2026-01-20T12:00:00Z', 'VERY_GOOD'); // W04, outside the period below
    await write(other, { content: 'pas à moi', mood: 'VERY_BAD' });

    const res = await t.http.get('/api/journal/stats?startDate=2025-12-31&endDate=2026-01-18').set(as(me));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ startDate: '2025-12-31', endDate: '2026-01-18', timeZone: 'Europe/Paris' });
    const zero = { VERY_BAD: 0, BAD: 0, NEUTRAL: 0, GOOD: 0, VERY_GOOD: 0 };
    expect(res.body.weeks).toEqual([
      // the period starts on a Wednesday: the Monday entry of that week is outside it
      { week: '2026-W01', weekStart: '2025-12-29', counts: { ...zero, GOOD: 1 }, withoutMood: 0, total: 1, averageMoodRating: 4 },
      { week: '2026-W02', weekStart: '2026-01-05', counts: { ...zero, GOOD: 1 }, withoutMood: 1, total: 2, averageMoodRating: 4 },
      { week: '2026-W03', weekStart: '2026-01-12', counts: zero, withoutMood: 0, total: 0, averageMoodRating: null },
    ]);
    expect(res.body.totals).toEqual({ ...zero, GOOD: 2 });

    const wide = await t.http.get('/api/journal/stats?from=2025-12-29&to=2026-01-31').set(as(me));
    expect(wide.body.weeks.map((w: { week: string; total: number }) => `${w.week}:${w.total}`)).toEqual(['2026-W01:2', '2026-W02:2', '2026-W03:0', '2026-W04:1', '2026-W05:0']);
    expect(wide.body.weeks[0]).toMatchObject({ counts: { ...zero, BAD: 1, GOOD: 1 }, averageMoodRating: 3 });

    const byDefault = await t.http.get('/api/journal/stats').set(as(me));
    expect(byDefault.status).toBe(200);
    expect(byDefault.body.weeks).toHaveLength(12);
    expect(byDefault.body.weeks.every((w: { total: number }) => w.total === 0)).toBe(true);

    for (const [query, field] of [['startDate=2025-01-01&endDate=2026-01-02', 'endDate'], ['startDate=2026-02-01&endDate=2026-01-01', 'endDate'], ['from=2026-1-1', 'from']]) {
      const bad = await t.http.get(`/api/journal/stats?${query}`).set(as(me));
      expect([bad.status, bad.body.error.code, fields(bad)], query).toEqual([400, 'VALIDATION_ERROR', [field]]);
    }
  });
});
