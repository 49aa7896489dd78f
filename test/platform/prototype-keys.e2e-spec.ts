import { Role } from '@prisma/client';
import { bearer, createCompany, createUser, signAccessToken } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

/**
 * Issue 10 item 12: keys named after Object.prototype members slipped through the whitelist
 * (class-validator looks them up in a plain object and finds the inherited member).
 */
describe('unknown prototype-named keys in JSON bodies are refused like any unknown property', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  // raw JSON: an object literal cannot carry an own "__proto__" key through JSON.stringify
  const put = (path: string, token: string, json: string) => t.http.put(path).set(bearer(token)).set('Content-Type', 'application/json').send(json);
  const fields = (res: { body: { error: { details?: Array<{ field: string }> } } }) => (res.body.error.details ?? []).map((d) => d.field);

  it.each([
    ['/api/companies/me', Role.ADMIN_RH, '"address":"1 rue de Paris"'],
    ['/api/employees/me', Role.EMPLOYEE, '"location":"Lyon"'],
    ['/api/practitioners/me', Role.PRACTITIONER, '"bio":"Psychologue clinicienne."'],
  ])('PUT %s: constructor, __proto__, prototype and hasOwnProperty → 400 VALIDATION_ERROR naming the field', async (path, role, valid) => {
    const token = signAccessToken(await createUser(t.db, role));
    for (const key of ['constructor', '__proto__', 'prototype', 'hasOwnProperty']) {
      const res = await put(path, token, `{${valid},"${key}":{"polluted":true}}`);
      expect([res.status, res.body.error?.code], `${path} ${key}`).toEqual([400, 'VALIDATION_ERROR']);
      expect(fields(res)).toEqual([key]);
    }
    expect((await put(path, token, `{${valid}}`)).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('covers nested objects and arrays, and routes that validate their body by hand (PUT /employees/:id)', async () => {
    const user = await createUser(t.db, Role.EMPLOYEE);
    const nested = await put('/api/users/me/notification-preferences', signAccessToken(user), '{"preferences":[{"type":"CONSULTATION_REMINDER_1H","email":false,"constructor":"x"}]}');
    expect([nested.status, nested.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(fields(nested)).toEqual(['preferences.0.constructor']);

    const company = await createCompany(t.db);
    const hr = await createUser(t.db, Role.ADMIN_RH, { company });
    const employee = await createUser(t.db, Role.EMPLOYEE, { company });
    const res = await put(`/api/employees/${employee.employeeId}`, signAccessToken(hr), '{"department":"RH","constructor":"x"}');
    expect([res.status, fields(res)]).toEqual([400, ['constructor']]);
  });
});
