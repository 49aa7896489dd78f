import { Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { bearer, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { addRulesEveryDay, createPractitioner, fields, localDate, usersByRole } from './practitioner-fixtures.js';

interface Card {
  id: string;
  shortBio: string;
  nextAvailableSlot: string | null;
}

/**
 * Each practitioner of this file carries a unique sub-specialty tag and every query filters on it, so
 * practitioners created by other test files running at the same time never show up.
 */
describe('PR4 GET /api/practitioners/search (US-3.3, US-10.1)', () => {
  let t: TestContext;
  let users: Map<Role, TestUser>;
  const tag = `tag-${randomUUID()}`;
  let a: TestUser; // 4.8★, 5 y, fr/en, video, accepting, free every day
  let b: TestUser; // 4.2★, 20 y, fr, in person, accepting, no availability
  let c: TestUser; // unrated, 10 y, ar, not accepting, one extra opening in 3 days
  let extraSlot: string;

  beforeAll(async () => {
    t = await startTestApp();
    users = await usersByRole(t.db);
    a = await createPractitioner(t.db, {
      subSpecialties: [tag, 'TCC'],
      averageRating: 4.8,
      reviewCount: 10,
      experience: 5,
      languages: ['fr', 'en'],
      offersVideo: true,
      offersPhone: false,
      offersInPerson: false,
      bio: `${'Accompagnement bienveillant '.repeat(20)}fin`,
    });
    b = await createPractitioner(t.db, {
      subSpecialties: [tag, 'EMDR'],
      averageRating: 4.2,
      reviewCount: 30,
      experience: 20,
      languages: ['fr'],
      specialty: 'PSYCHIATRE',
      offersVideo: true,
      offersInPerson: true,
      inPersonAddress: '1 rue A',
    });
    c = await createPractitioner(t.db, { subSpecialties: [tag], averageRating: null, experience: 10, languages: ['ar'], isAcceptingNewClients: false, offersVideo: false });
    await createPractitioner(t.db, { subSpecialties: [tag], isValidated: false, validatedAt: null });
    await createPractitioner(t.db, { subSpecialties: [tag], isActive: false });

    // a: a 15-minute slot every 25 minutes all day, every day: always a free slot within the hour
    await addRulesEveryDay(t.db, a.practitionerId!, '00:00', '23:50', 15);
    // c: nothing recurring, one extra opening three days from now
    const date = localDate(3);
    const extra = await t.http.post('/api/availability/exception').set(bearer(signAccessToken(c))).send({ date, isAvailable: true, startTime: '10:00', endTime: '11:00' });
    expect(extra.status).toBe(201);
    const slots = await t.http.get('/api/availability/slots').query({ date }).set(bearer(signAccessToken(c)));
    extraSlot = slots.body.slots[0].startTime;
  });
  afterAll(() => t?.close());

  const as = (u: TestUser) => bearer(signAccessToken(u));
  const search = (query: Record<string, string> = {}, caller: Role = Role.EMPLOYEE) =>
    t.http.get('/api/practitioners/search').query({ subSpecialties: tag, ...query }).set(as(users.get(caller)!));
  const ids = async (query: Record<string, string> = {}) => {
    const res = await search(query);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.practitioners as Card[]).map((p) => p.id);
  };

  it('lists only validated, active practitioners, by relevance (accepting first, then rating), with cards', async () => {
    const res = await search();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 3, page: 1, pages: 1, limit: 20 });
    expect(res.body.practitioners.map((p: Card) => p.id)).toEqual([a.practitionerId, b.practitionerId, c.practitionerId]);
    const card = res.body.practitioners[0];
    expect(Object.keys(card).sort()).toEqual(
      [
        'id', 'firstName', 'lastName', 'title', 'avatarUrl', 'specialty', 'subSpecialties', 'languages', 'averageRating', 'reviewCount', 'experience',
        'shortBio', 'offersVideo', 'offersPhone', 'offersInPerson', 'isAcceptingNewClients', 'nextAvailableSlot',
      ].sort(),
    );
    expect(card.shortBio.length).toBeLessThanOrEqual(200);
    expect(card.shortBio.endsWith('…')).toBe(true);
    expect(new Date(card.nextAvailableSlot).getTime() - Date.now()).toBeLessThan(3600_000);
    const byId = new Map(res.body.practitioners.map((p: Card) => [p.id, p]));
    expect((byId.get(b.practitionerId!) as Card).nextAvailableSlot).toBeNull();
    expect((byId.get(c.practitionerId!) as Card).nextAvailableSlot).toBe(extraSlot);
  });

  it('sorts by rating, experience and next availability', async () => {
    expect(await ids({ sort: 'rating' })).toEqual([a.practitionerId, b.practitionerId, c.practitionerId]);
    expect(await ids({ sort: 'experience' })).toEqual([b.practitionerId, c.practitionerId, a.practitionerId]);
    expect(await ids({ sort: 'nextAvailable' })).toEqual([a.practitionerId, c.practitionerId, b.practitionerId]);
    const paged = await search({ sort: 'nextAvailable', limit: '1', page: '2' });
    expect(paged.body).toMatchObject({ total: 3, page: 2, pages: 3, limit: 1 });
    expect(paged.body.practitioners.map((p: Card) => p.id)).toEqual([c.practitionerId]);
  });

  it('filters by availability within N days with the slot engine', async () => {
    expect(await ids({ availableWithin: '1' })).toEqual([a.practitionerId]);
    expect(await ids({ availableWithin: '5' })).toEqual([a.practitionerId, c.practitionerId]);
    const res = await search({ availableWithin: '5', limit: '1' });
    expect(res.body).toMatchObject({ total: 2, pages: 2 });
  });

  it.each([
    [{ specialty: 'PSYCHIATRE' }, ['b']],
    [{ languages: 'en' }, ['a']],
    [{ language: 'AR' }, ['c']],
    [{ languages: 'en,ar' }, ['a', 'c']],
    [{ format: 'IN_PERSON' }, ['b']],
    [{ format: 'AUDIO' }, ['b', 'c']],
    [{ offersInPerson: 'true' }, ['b']],
    [{ offersVideo: 'false' }, ['c']],
    [{ minRating: '4.5' }, ['a']],
    [{ minRating: '4' }, ['a', 'b']],
    [{ acceptingNew: 'false' }, ['c']],
    [{ acceptingNew: 'true' }, ['a', 'b']],
    [{ subSpecialties: `${tag},nothing-else` }, ['a', 'b', 'c']],
    [{ specialty: 'PSYCHIATRE', languages: 'en' }, []],
  ])('filters %j', async (query, expected) => {
    const named = { a, b, c } as Record<string, TestUser>;
    const got = await ids(query as Record<string, string>);
    expect(got.sort()).toEqual(expected.map((k) => named[k].practitionerId).sort());
  });

  it('echoes the normalised query as appliedFilters so a shared URL gives the same search', async () => {
    const res = await search({ language: 'EN', languages: 'fr, en', format: 'VIDEO', minRating: '3', acceptingNew: 'true', availableWithin: '30', sort: 'rating', limit: '10' });
    expect(res.status).toBe(200);
    expect(res.body.appliedFilters).toEqual({
      subSpecialties: [tag],
      languages: ['en', 'fr'],
      format: 'VIDEO',
      minRating: 3,
      acceptingNew: true,
      availableWithin: 30,
      sort: 'rating',
      page: 1,
      limit: 10,
    });
    const { page, limit, ...filters } = res.body.appliedFilters;
    const replay = await t.http
      .get('/api/practitioners/search')
      .query({ ...filters, subSpecialties: filters.subSpecialties.join(','), languages: filters.languages.join(','), page, limit })
      .set(as(users.get(Role.EMPLOYEE)!));
    expect(replay.body.practitioners).toEqual(res.body.practitioners);
  });

  it('is open to ADMIN_HUNTZEN with the same listing rules', async () => {
    const res = await search({}, Role.ADMIN_HUNTZEN);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
  });

  it.each([
    [{ availableWithin: '0' }, 'availableWithin'],
    [{ availableWithin: '91' }, 'availableWithin'],
    [{ availableWithin: 'soon' }, 'availableWithin'],
    [{ minRating: '6' }, 'minRating'],
    [{ minRating: '0' }, 'minRating'],
    [{ sort: 'price' }, 'sort'],
    [{ offersVideo: 'yes' }, 'offersVideo'],
    [{ acceptingNew: '1' }, 'acceptingNew'],
    [{ specialty: 'ASTROLOGUE' }, 'specialty'],
    [{ format: 'CHAT' }, 'format'],
    [{ languages: 'english' }, 'languages'],
    [{ limit: '500' }, 'limit'],
    [{ isValidated: 'false' }, 'isValidated'],
    [{ city: 'Paris' }, 'city'],
  ])('rejects %j with 400 on %s', async (query, field) => {
    const res = await search(query as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(fields(res.body)).toContain(field);
  });

  it('answers 401 without a token and 403 to HR, practitioners and super admins', async () => {
    expect((await t.http.get('/api/practitioners/search')).status).toBe(401);
    for (const role of [Role.SUPER_ADMIN, Role.ADMIN_RH, Role.PRACTITIONER]) {
      const res = await search({}, role);
      expect(res.status, role).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
  });
});
