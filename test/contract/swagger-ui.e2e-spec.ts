import { Role } from '@prisma/client';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { createUser } from '../helpers/fixtures.js';
import { login } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

/** Debian's Chromium (.ci/run installs it); without it this file is skipped with the message below. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Swagger UI browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);

/** A host name that is not localhost, resolved by the browser itself to 127.0.0.1 (no traffic leaves the machine). */
const HOST = 'docs.huntzen.test';

describe('Swagger UI', () => {
  let t: TestContext;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t?.close());

  it('keeps upgrade-insecure-requests out of the CSP over plain http, and sends it behind TLS', async () => {
    const plain = await t.http.get('/api/docs/').set('Host', `${HOST}:${port}`).expect(200);
    expect(plain.headers['content-security-policy']).toBeDefined();
    expect(plain.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    // TRUST_PROXY=loopback: the local proxy's X-Forwarded-Proto is believed
    const tls = await t.http.get('/api/docs/').set('X-Forwarded-Proto', 'https').expect(200);
    expect(tls.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(tls.headers['strict-transport-security']).toBeDefined();
  });

  describe.skipIf(!hasChromium)('in headless Chromium, from a non-localhost host over http', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`, '--no-sandbox'] });
    }, 60_000);
    afterAll(() => browser?.close());

    it('authorizes, calls GET /api/auth/me (200), and remembers the token after a reload', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      const { accessToken } = await login(t.http, user);
      const page = await browser.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      await page.goto(`http://${HOST}:${port}/api/docs`);
      await page.locator('button.authorize').first().click();
      await page.locator('.modal-ux input').first().fill(accessToken);
      await page.locator('.modal-ux button.authorize').click();
      await page.locator('.modal-ux button.btn-done, .modal-ux .close-modal').first().click();

      const callMe = async () => {
        const op = page.locator('#operations-auth-getMe');
        await op.locator('.opblock-summary').first().click();
        await op.locator('button.try-out__btn').click();
        await op.locator('button.execute').click();
        return op.locator('.live-responses-table tbody .response-col_status').first().textContent();
      };
      expect((await callMe())?.trim()).toBe('200');
      await expect.poll(() => page.locator('#operations-auth-getMe .live-responses-table').textContent()).toContain(user.email);

      await page.reload();
      expect((await callMe())?.trim()).toBe('200');
      expect(failed).toEqual([]);
    }, 90_000);
  });
});
