import { Role } from '@prisma/client';
import { vi } from 'vitest';
import { bearer, createCompany, createUser, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

describe('crisis resources', () => {
  let t: TestContext;
  let co: TestCompany;
  let other: TestCompany;
  let rh: TestUser;
  let rhOther: TestUser;
  let emp: TestUser;
  let empOther: TestUser;
  const as = (u: TestUser) => bearer(signAccessToken(u));
  const EAP = [
    { label: 'Cellule d’écoute (PAE)', phone: '01 23 45 67 89', hours: '24h/24' },
    { label: 'Médecine du travail', url: 'https://sante-travail.example.fr' },
  ];

  beforeAll(async () => {
    process.env.TEST_LOG_LEVEL = 'info'; // access-log lines are emitted, so their absence means something
    t = await startTestApp();
    co = await createCompany(t.db);
    other = await createCompany(t.db);
    rh = await createUser(t.db, Role.ADMIN_RH, { company: co });
    rhOther = await createUser(t.db, Role.ADMIN_RH, { company: other });
    emp = await createUser(t.db, Role.EMPLOYEE, { company: co });
    empOther = await createUser(t.db, Role.EMPLOYEE, { company: other });
  });
  afterAll(() => t?.close());

  it('HR sets its company contacts; every signed-in user gets the national lines, employees and HR their company’s', async () => {
    const put = await t.http.put('/api/crisis-resources/company').set(as(rh)).send({ contacts: EAP });
    expect(put.status).toBe(200);
    const expected = [
      { label: 'Cellule d’écoute (PAE)', phone: '01 23 45 67 89', url: null, hours: '24h/24' },
      { label: 'Médecine du travail', phone: null, url: 'https://sante-travail.example.fr', hours: null },
    ];
    expect(put.body.company).toEqual(expected);
    await t.http.put('/api/crisis-resources/company').set(as(rhOther)).send({ contacts: [{ label: 'Autre PAE', phone: '0800 00 00 00' }] });

    const users = await Promise.all([Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.PRACTITIONER].map((r) => createUser(t.db, r)));
    for (const u of [emp, rh, empOther, ...users]) {
      const res = await t.http.get('/api/crisis-resources').set(as(u));
      expect(res.status, u.role).toBe(200);
      expect(res.headers['cache-control']).toMatch(/^private/);
      expect(res.body.national.map((l: { phone: string }) => l.phone)).toEqual(['3114', '15', '112', '09 72 39 40 50']);
      const company = u === emp || u === rh ? expected : u === empOther ? [{ label: 'Autre PAE', phone: '0800 00 00 00', url: null, hours: null }] : [];
      expect(res.body.company, u.role).toEqual(company);
    }
    expect((await t.http.get('/api/crisis-resources')).status).toBe(401);

    // [] clears the list
    expect((await t.http.put('/api/crisis-resources/company').set(as(rhOther)).send({ contacts: [] })).body.company).toEqual([]);
    expect((await t.http.get('/api/crisis-resources').set(as(empOther))).body.company).toEqual([]);
    expect((await t.db.company.findUniqueOrThrow({ where: { id: co.id } })).crisisContacts).toEqual(expected);
  });

  it('opening them leaves no trace: no audit row, no log line with the user', async () => {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    // winston's Console transport writes to console._stdout (the test runner's stream here)
    const out = (console as unknown as { _stdout?: NodeJS.WriteStream })._stdout ?? process.stdout;
    const spies = [vi.spyOn(out, 'write').mockImplementation(capture as never), vi.spyOn(console, 'log').mockImplementation(capture)];
    const audits = await t.db.auditLog.count({ where: { userId: emp.id } });
    try {
      expect((await t.http.get('/api/crisis-resources').set(as(emp))).status).toBe(200);
      // control: an ordinary route does write an access-log line carrying the caller
      expect((await t.http.get('/api/auth/me').set(as(rh))).status).toBe(200);
      // winston writes asynchronously and in order: once the control line is out, any earlier line is too
      const control = () => lines.some((l) => l.includes('/api/auth/me') && l.includes(rh.id));
      for (let i = 0; i < 10_000 && !control(); i++) await new Promise((r) => setImmediate(r));
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    expect(lines.some((l) => l.includes('/api/auth/me') && l.includes(rh.id))).toBe(true);
    expect(lines.filter((l) => l.includes('crisis') || l.includes(emp.id))).toEqual([]);
    expect(await t.db.auditLog.count({ where: { userId: emp.id } })).toBe(audits);
  });

  it('bad input is a 400 per field and writes nothing', async () => {
    const before = (await t.db.company.findUniqueOrThrow({ where: { id: co.id } })).crisisContacts;
    const cases: [unknown, string][] = [
      [{ contacts: [{ label: '', phone: '3114' }] }, 'contacts.0.label'],
      [{ contacts: [{ label: 'Sans moyen de contact' }] }, 'contacts.0.phone'],
      [{ contacts: [{ label: 'x', phone: 'appelez-moi' }] }, 'contacts.0.phone'],
      [{ contacts: [{ label: 'x', url: 'http://insecure.example' }] }, 'contacts.0.url'],
      [{ contacts: [{ label: 'x', url: 'javascript:alert(1)' }] }, 'contacts.0.url'],
      [{ contacts: [{ label: 'x', phone: '15', extra: 1 }] }, 'contacts.0.extra'],
      [{ contacts: [{ label: 'x'.repeat(101), phone: '15' }] }, 'contacts.0.label'],
      [{ contacts: Array.from({ length: 11 }, (_, i) => ({ label: `c${i}`, phone: '15' })) }, 'contacts'],
      [{ contacts: 'PAE' }, 'contacts'],
      [{}, 'contacts'],
      [{ contacts: [], companyId: other.id }, 'companyId'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.http.put('/api/crisis-resources/company').set(as(rh)).send(payload as object);
      expect([res.status, res.body.error.code], JSON.stringify(payload).slice(0, 60)).toEqual([400, 'VALIDATION_ERROR']);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect((await t.db.company.findUniqueOrThrow({ where: { id: co.id } })).crisisContacts).toEqual(before);
  });

  it('only ADMIN_RH edits, and only its own company', async () => {
    const before = (await t.db.company.findUniqueOrThrow({ where: { id: co.id } })).crisisContacts;
    for (const role of [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.PRACTITIONER, Role.EMPLOYEE]) {
      const u = role === Role.EMPLOYEE ? emp : await createUser(t.db, role);
      const res = await t.http.put('/api/crisis-resources/company').set(as(u)).send({ contacts: [] });
      expect([res.status, res.body.error.code], role).toEqual([403, 'FORBIDDEN']);
    }
    expect((await t.http.put('/api/crisis-resources/company').send({ contacts: [] })).status).toBe(401);
    // HR of another company writes to its own company, never to this one
    await t.http.put('/api/crisis-resources/company').set(as(rhOther)).send({ contacts: [{ label: 'B', phone: '15' }] });
    expect((await t.db.company.findUniqueOrThrow({ where: { id: co.id } })).crisisContacts).toEqual(before);
    expect(await t.db.auditLog.count({ where: { resource: 'company', resourceId: other.id, details: { path: ['event'], equals: 'CRISIS_CONTACTS_UPDATED' } } })).toBeGreaterThan(0);
  });
});
