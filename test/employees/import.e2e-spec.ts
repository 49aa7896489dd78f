import { AuditAction, Role, UserTokenType } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import { bearer, createCompany, createUser, signAccessToken, TestCompany, TestUser } from '../helpers/fixtures.js';
import { randomIp, startTestApp, TestContext } from '../helpers/test-app.js';

const HEADER = 'email,firstName,lastName,department,position';

describe('E3 POST /api/employees/import (US-2.3, SPEC §11 A15)', () => {
  let t: TestContext;
  let company: TestCompany;

  beforeAll(async () => {
    t = await startTestApp();
    company = await createCompany(t.db);
  });
  afterAll(() => t?.close());

  const upload = (user: TestUser | undefined, content: string | Buffer, filename = 'salaries.csv', field = 'file') => {
    const req = t.http.post('/api/employees/import').set('X-Forwarded-For', randomIp());
    if (user) req.set(bearer(signAccessToken(user)));
    return req.attach(field, Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), { filename, contentType: 'text/csv' });
  };
  // a fresh HR admin per test: imports are rate-limited per user
  const newRh = () => createUser(t.db, Role.ADMIN_RH, { company });
  const details = (res: { body: { error: { details?: { field?: string; message: string }[] } } }) => res.body.error.details ?? [];

  it(
    'imports 1,000 rows with 10 bad ones: exactly those 10 reported, 990 invited (one transaction, audit row and e-mail each)',
    async () => {
      const rh = await newRh();
      const k = randomUUID().slice(0, 6);
      const own = await createUser(t.db, Role.EMPLOYEE, { company, email: `already.${k}@${company.domain}` });
      // an address of this domain held outside HR's sight (RLS): caught by the unique index at insert
      const hidden = await createUser(t.db, Role.PRACTITIONER, { email: `hidden.${k}@${company.domain}` });

      const lines = [HEADER];
      const bad = new Map<number, { email: string; reason: RegExp }>();
      const goodEmails: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const row = i + 2; // the header is row 1
        let email = `emp${i}.${k}@${company.domain}`;
        let reason: RegExp | undefined;
        if (i % 100 === 5 && bad.size < 3) [email, reason] = [`not-an-email-${i}`, /invalide/];
        else if (i === 305 || i === 405 || i === 505) [email, reason] = [`emp${i}.${k}@elsewhere.test`, /domaine/];
        else if (i === 610 || i === 710) [email, reason] = [`emp${i - 600}.${k}@${company.domain}`, /double/];
        else if (i === 805) [email, reason] = [own.email, /existe/];
        else if (i === 905) [email, reason] = [hidden.email.toUpperCase(), /existe/];
        if (reason) bad.set(row, { email: email.toLowerCase(), reason });
        else goodEmails.push(email);
        lines.push(`${email},Prénom${i},"Nom, ${i}",Service ${i % 7},Poste ${i % 3}`);
      }
      expect(bad.size).toBe(10);
      expect(goodEmails).toHaveLength(990);

      const started = Date.now();
      const res = await upload(rh, lines.join('\r\n') + '\r\n');
      const answeredIn = Date.now() - started;
      expect(res.status).toBe(200);
      expect(res.body.success).toBe(990);
      expect(res.body.failed).toBe(10);
      expect(res.body.errors.map((e: { row: number }) => e.row)).toEqual([...bad.keys()].sort((a, b) => a - b));
      for (const e of res.body.errors as { row: number; email: string; reason: string }[]) {
        expect(e.email).toBe(bad.get(e.row)!.email);
        expect(e.reason).toMatch(bad.get(e.row)!.reason);
      }

      const users = await t.db.user.findMany({
        where: { email: { in: goodEmails } },
        include: { employee: true, userTokens: true },
      });
      expect(users).toHaveLength(990);
      for (const u of users) {
        expect(u).toMatchObject({ role: Role.EMPLOYEE, companyId: company.id, isActive: false, emailVerified: false, passwordHash: '!' });
        expect(u.employee?.companyId).toBe(company.id);
        expect(u.userTokens).toHaveLength(1);
        expect(u.userTokens[0]).toMatchObject({ type: UserTokenType.INVITATION, createdBy: rh.id, companyId: company.id, usedAt: null });
      }
      const sample = users.find((u) => u.email === goodEmails[1])!;
      expect(sample.employee).toMatchObject({ firstName: 'Prénom1', lastName: 'Nom, 1', department: 'Service 1', position: 'Poste 1' });
      const refused = [...bad.values()].filter((b) => /invalide|domaine/.test(b.reason.source)).map((b) => b.email);
      expect(await t.db.user.count({ where: { email: { in: refused } } })).toBe(0);

      const employeeIds = users.map((u) => u.employee!.id);
      expect(await t.db.auditLog.count({ where: { action: AuditAction.CREATE, resource: 'employee', resourceId: { in: employeeIds }, userId: rh.id } })).toBe(990);
      const summary = await t.db.auditLog.findFirstOrThrow({ where: { action: AuditAction.IMPORT, userId: rh.id } });
      expect(summary.details).toEqual({ event: 'EMPLOYEE_IMPORTED', rows: 1000, success: 990, failed: 10 });

      const wanted = new Set(goodEmails);
      const mails = await t.sink.waitForCount((m) => m.to.some((to) => wanted.has(to)), 990, 180_000);
      expect(new Set(mails.flatMap((m) => m.to)).size).toBe(990);
      expect(mails.every((m) => m.links.some((l) => l.startsWith('http://app.huntzen.test/activate?token=')))).toBe(true);
      console.info(`1,000-row import: answered in ${answeredIn} ms, 990 e-mails received after ${Date.now() - started} ms`);
    },
    240_000,
  );

  it('accepts a BOM, ";" as delimiter, a case-insensitive header in any order, blank lines and multi-line fields', async () => {
    const rh = await newRh();
    const k = randomUUID().slice(0, 6);
    const csv = `\uFEFFPosition;LASTNAME;firstname;Email;Department\n\nDev;Durand;Léa;lea.${k}@${company.domain};R&D\n"Chef\nde projet";Roux;Max;max.${k}@${company.domain};\n;;;bad;\n`;
    const res = await upload(rh, csv);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: 2, failed: 1, errors: [{ row: 6, email: 'bad', reason: expect.stringMatching(/invalide/) }] });
    const max = await t.db.user.findUniqueOrThrow({ where: { email: `max.${k}@${company.domain}` }, include: { employee: true } });
    expect(max.employee).toMatchObject({ position: 'Chef\nde projet', department: null, firstName: 'Max' });
  });

  it('reports missing names per row', async () => {
    const rh = await newRh();
    const k = randomUUID().slice(0, 6);
    const res = await upload(rh, `${HEADER}\nok.${k}@${company.domain},A,B,,\nno.first.${k}@${company.domain},,B,,\nno.last.${k}@${company.domain},A,,,\n`);
    expect(res.body.success).toBe(1);
    expect(res.body.errors.map((e: { row: number; reason: string }) => [e.row, e.reason])).toEqual([
      [3, 'prénom manquant'],
      [4, 'nom manquant'],
    ]);
  });

  it('creates rows up to the seat cap and reports the rest, never leaving a half-created account', async () => {
    const capped = await createCompany(t.db);
    await t.db.company.update({ where: { id: capped.id }, data: { maxEmployees: 3 } });
    const cappedRh = await createUser(t.db, Role.ADMIN_RH, { company: capped });
    const emails = [0, 1, 2, 3, 4].map((i) => `seat${i}@${capped.domain}`);
    const res = await upload(cappedRh, [HEADER, ...emails.map((e) => `${e},A,B,C,D`)].join('\n'));
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(3);
    expect(res.body.failed).toBe(2);
    expect(res.body.errors.every((e: { reason: string }) => /limite/.test(e.reason))).toBe(true);
    const users = await t.db.user.findMany({ where: { email: { in: emails } }, include: { employee: true, userTokens: true } });
    expect(users).toHaveLength(3);
    expect(users.every((u) => u.employee && u.userTokens.length === 1)).toBe(true);
  });

  it.each([
    ['a missing column', 'email,firstName,lastName,department\na@b.test,A,B,C\n', [{ field: 'position', message: 'colonne manquante' }]],
    ['an unknown column', `${HEADER},salary\n`, [{ field: 'salary', message: 'colonne inconnue' }]],
    ['a repeated column', `${HEADER},email\n`, [{ field: 'email', message: 'colonne en double' }]],
    ['a row with too many fields', `${HEADER}\na@b.test,A,B,C,D\na@b.test,A,B,C,D,E\n`, [{ field: 'file', message: expect.stringMatching(/^ligne 3: nombre de colonnes/) }]],
    ['an unclosed quote', `${HEADER}\n"a@b.test,A,B,C,D\n`, [{ field: 'file', message: expect.stringMatching(/guillemet/) }]],
    ['a header only', `${HEADER}\n`, [{ field: 'file', message: 'aucune ligne de données' }]],
    ['blank content', '\n\n', [{ field: 'file', message: expect.stringMatching(/vide/) }]],
  ])('400 with details on %s', async (_label, csv, expected) => {
    const rh = await newRh();
    const res = await upload(rh, csv);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(details(res)).toEqual(expected);
  });

  it('400 beyond 5,000 rows, on a non UTF-8 file, without a file or with another field name', async () => {
    const rh = await newRh();
    const many = [HEADER, ...Array.from({ length: 5001 }, (_, i) => `r${i}@x.test,A,B,C,D`)].join('\n');
    const tooMany = await upload(rh, many);
    expect(tooMany.status).toBe(400);
    expect(details(tooMany)[0].message).toMatch(/5000/);

    const latin1 = await upload(rh, Buffer.from(`${HEADER}\nl@x.test,Hélène,B,C,D\n`, 'latin1'));
    expect(latin1.status).toBe(400);
    expect(details(latin1)[0].message).toMatch(/UTF-8/);

    const none = await t.http.post('/api/employees/import').set(bearer(signAccessToken(rh))).set('X-Forwarded-For', randomIp()).send({});
    expect(none.status).toBe(400);
    expect(details(none)[0].field).toBe('file');

    const wrongField = await upload(rh, `${HEADER}\n`, 'x.csv', 'document');
    expect(wrongField.status).toBe(400);
    expect(details(wrongField)[0].field).toBe('file');
  });

  it('415 for a binary file whatever its name and declared type, 413 beyond 2 MB', async () => {
    const rh = await newRh();
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(64)]);
    const binary = await upload(rh, png, 'salaries.csv');
    expect(binary.status).toBe(415);
    expect(binary.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const nul = await upload(rh, Buffer.from(`${HEADER}\na\u0000b,A,B,C,D\n`));
    expect(nul.status).toBe(415);

    const big = await upload(rh, `${HEADER}\n${'x'.repeat(2 * 1024 * 1024 + 10)}`);
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('401 anonymous, 403 for every role but ADMIN_RH', async () => {
    expect((await upload(undefined, `${HEADER}\n`)).status).toBe(401);
    for (const role of [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN, Role.PRACTITIONER, Role.EMPLOYEE]) {
      const res = await upload(await createUser(t.db, role, role === Role.EMPLOYEE ? { company } : {}), `${HEADER}\n`);
      expect({ role, status: res.status, code: res.body.error.code }).toEqual({ role, status: 403, code: 'FORBIDDEN' });
    }
  });

  it('is limited to 10 imports per hour per HR user (429)', async () => {
    const busy = await createUser(t.db, Role.ADMIN_RH, { company });
    for (let i = 0; i < 10; i++) expect((await upload(busy, `${HEADER}\n`)).status).toBe(400);
    const blocked = await upload(busy, `${HEADER}\n`);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    // per user: another HR admin is unaffected
    expect((await upload(await newRh(), `${HEADER}\n`)).status).toBe(400);
  });
});
