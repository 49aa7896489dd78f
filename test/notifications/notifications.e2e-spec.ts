import { Role } from '@prisma/client';
import { bearer, createUser, signAccessToken } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

describe('notifications NO1–NO4', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('lists own notifications with unread count and pagination, hides expired ones, marks read, read-all, delete; never another user’s', async () => {
    const u = await createUser(t.db, Role.EMPLOYEE);
    const other = await createUser(t.db, Role.PRACTITIONER);
    const base = { type: 'SYSTEM' as const, title: 'Info', message: 'Bonjour' };
    await t.db.notification.createMany({
      data: [
        ...Array.from({ length: 3 }, (_, i) => ({ ...base, userId: u.id, createdAt: new Date(Date.now() - i * 1000) })),
        { ...base, userId: u.id, expiresAt: new Date(Date.now() - 1000) },
        { ...base, userId: other.id },
      ],
    });
    const auth = bearer(signAccessToken(u));
    const list = await t.http.get('/api/notifications?limit=2').set(auth);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total: 3, unreadCount: 3, page: 1, pages: 2, limit: 2 });
    expect(list.body.notifications).toHaveLength(2);
    const [first] = list.body.notifications;
    expect(Object.keys(first).sort()).toEqual(['createdAt', 'id', 'isRead', 'linkLabel', 'linkUrl', 'message', 'readAt', 'title', 'type']);

    expect((await t.http.put(`/api/notifications/${first.id}/read`).set(auth)).status).toBe(200);
    expect((await t.http.get('/api/notifications?unread=true').set(auth)).body.total).toBe(2);
    expect((await t.http.get('/api/notifications?unread=maybe').set(auth)).status).toBe(400);

    const foreign = await t.db.notification.findFirstOrThrow({ where: { userId: other.id } });
    expect((await t.http.put(`/api/notifications/${foreign.id}/read`).set(auth)).status).toBe(404);
    expect((await t.http.delete(`/api/notifications/${foreign.id}`).set(auth)).status).toBe(404);
    expect((await t.db.notification.findUniqueOrThrow({ where: { id: foreign.id } })).isRead).toBe(false);

    expect((await t.http.put('/api/notifications/read-all').set(auth)).status).toBe(200);
    expect((await t.http.get('/api/notifications').set(auth)).body.unreadCount).toBe(0);
    expect((await t.http.delete(`/api/notifications/${first.id}`).set(auth)).status).toBe(200);
    expect((await t.http.get('/api/notifications').set(auth)).body.total).toBe(2);
    expect((await t.http.get('/api/notifications')).status).toBe(401);
    expect((await t.http.put('/api/notifications/nope/read').set(auth)).status).toBe(400);
  });
});
