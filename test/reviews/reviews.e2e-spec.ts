import { Role } from '@prisma/client';
import { bearer, createUser, signAccessToken } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { createOpenPractitioner, employeesOf, insertConsultation } from '../consultations/helpers.js';

describe('reviews (PR14, PR15, I2; US-11.1)', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());
  const as = (u: Parameters<typeof signAccessToken>[0]) => bearer(signAccessToken(u));

  it('one anonymous review per completed consultation, moderated before publication, average recomputed', async () => {
    const p = await createOpenPractitioner(t.db);
    const [e, f] = await employeesOf(t.db, 2);
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
    const done = await insertConsultation(t.db, e, p, { start: hoursAgo(3), status: 'COMPLETED', startedAt: hoursAgo(3), endedAt: hoursAgo(2.2) });
    const done2 = await insertConsultation(t.db, f, p, { start: hoursAgo(26), status: 'COMPLETED', startedAt: hoursAgo(26), endedAt: hoursAgo(25.2) });
    const upcoming = await insertConsultation(t.db, e, p, { start: new Date(Date.now() + 48 * 3600_000) });
    const url = `/api/practitioners/${p.practitionerId}/reviews`;

    const notDone = await t.http.post(url).set(as(e)).send({ consultationId: upcoming.id, rating: 5 });
    expect([notDone.status, notDone.body.error.code]).toEqual([400, 'CONSULTATION_NOT_COMPLETED']);
    expect((await t.http.post(url).set(as(f)).send({ consultationId: done.id, rating: 5 })).status).toBe(404); // not the author's consultation
    expect((await t.http.post(url).set(as(e)).send({ consultationId: done.id, rating: 6 })).status).toBe(400);
    expect((await t.http.post(url).set(as(e)).send({ consultationId: done.id, rating: 4, comment: 'x'.repeat(501) })).status).toBe(400);

    const created = await t.http.post(url).set(as(e)).send({ consultationId: done.id, rating: 4, comment: 'Très à l’écoute' });
    expect(created.status).toBe(201);
    expect(created.body.review).toMatchObject({ rating: 4, isPublished: false, authorDisplay: 'Patient vérifié' });
    const dup = await t.http.post(url).set(as(e)).send({ consultationId: done.id, rating: 2 });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'REVIEW_EXISTS']);
    const second = await t.http.post(url).set(as(f)).send({ consultationId: done2.id, rating: 5 });

    // nothing visible before moderation
    expect((await t.http.get(url).set(as(f))).body.reviews).toHaveLength(0);

    const admin = await createUser(t.db, Role.ADMIN_HUNTZEN);
    const pending = await t.http.get('/api/reviews/pending').set(as(admin));
    expect(pending.status).toBe(200);
    const mine = pending.body.reviews.filter((r: { practitionerId: string }) => r.practitionerId === p.practitionerId);
    expect(mine).toHaveLength(2);
    expect(JSON.stringify(pending.body)).not.toMatch(/Emma|Employee-|employeeId|consultationId/);

    expect((await t.http.put(`/api/reviews/${created.body.review.id}/moderate`).set(as(admin)).send({ isPublished: true })).status).toBe(200);
    expect((await t.http.put(`/api/reviews/${second.body.review.id}/moderate`).set(as(admin)).send({ isPublished: true })).status).toBe(200);
    let practitioner = await t.db.practitioner.findUniqueOrThrow({ where: { id: p.practitionerId! } });
    expect([practitioner.averageRating, practitioner.reviewCount]).toEqual([4.5, 2]);
    const listed = await t.http.get(url).set(as(f));
    expect(listed.body).toMatchObject({ averageRating: 4.5, reviewCount: 2, total: 2 });
    expect(listed.body.reviews.every((r: { authorDisplay: string }) => r.authorDisplay === 'Patient vérifié')).toBe(true);

    await t.http.put(`/api/reviews/${second.body.review.id}/moderate`).set(as(admin)).send({ isPublished: false });
    practitioner = await t.db.practitioner.findUniqueOrThrow({ where: { id: p.practitionerId! } });
    expect([practitioner.averageRating, practitioner.reviewCount]).toEqual([4, 1]);
    expect(await t.db.auditLog.count({ where: { resource: 'review', action: 'VALIDATE' } })).toBeGreaterThanOrEqual(3);
  });

  it('HR never sees reviews; only employees write them; only HuntZen admins moderate', async () => {
    const p = await createOpenPractitioner(t.db);
    const url = `/api/practitioners/${p.practitionerId}/reviews`;
    for (const role of [Role.ADMIN_RH, Role.SUPER_ADMIN]) {
      const u = await createUser(t.db, role);
      expect((await t.http.get(url).set(as(u))).status, role).toBe(403);
      expect((await t.http.get('/api/reviews/pending').set(as(u))).status, role).toBe(403);
    }
    for (const role of [Role.ADMIN_RH, Role.ADMIN_HUNTZEN, Role.PRACTITIONER, Role.SUPER_ADMIN]) {
      const u = await createUser(t.db, role);
      expect((await t.http.post(url).set(as(u)).send({ consultationId: p.practitionerId, rating: 5 })).status, role).toBe(403);
    }
    const [e] = await employeesOf(t.db, 1);
    expect((await t.http.put('/api/reviews/3f1c7c2e-1d2b-4b5a-9c3d-000000000000/moderate').set(as(e)).send({ isPublished: true })).status).toBe(403);
    const admin = await createUser(t.db, Role.ADMIN_HUNTZEN);
    expect((await t.http.put('/api/reviews/3f1c7c2e-1d2b-4b5a-9c3d-000000000000/moderate').set(as(admin)).send({ isPublished: true })).status).toBe(404);
    expect((await t.http.put('/api/reviews/3f1c7c2e-1d2b-4b5a-9c3d-000000000000/moderate').set(as(admin)).send({})).status).toBe(400);
    expect((await t.http.get(url)).status).toBe(401);
  });
});
