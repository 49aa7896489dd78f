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
      // two shared cores: parsing Swagger UI and rendering ~130 operations takes tens of seconds under load
      page.setDefaultTimeout(150_000);
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
      // the "auth" section, opened as a user would if Swagger UI shows it folded (it folds every section
      // after the first once the document is as large as today's; README, known issues)
      const showAuth = async () => {
        await page.waitForSelector('#operations-tag-auth');
        if (!(await page.locator('#operations-auth-getMe').count())) await page.locator('#operations-tag-auth').click();
        await page.waitForSelector('#operations-auth-getMe');
      };
      await page.goto(`http://${HOST}:${port}/api/docs`, { waitUntil: 'domcontentloaded' });
      await showAuth();
      await page.locator('button.authorize').first().click();
      await page.locator('.modal-ux input').first().fill(accessToken);
      await page.locator('.modal-ux button.authorize').click();
      await page.locator('.modal-ux button.btn-done, .modal-ux .close-modal').first().click();

      const callMe = async () => {
        const op = page.locator('#operations-auth-getMe');
        const tryOut = op.locator('button.try-out__btn');
        // Swagger UI may re-render while it finishes loading: open the operation until its body shows
        for (let attempt = 0; attempt < 10 && !(await tryOut.isVisible()); attempt++) {
          await op.locator('.opblock-summary').first().click();
          await tryOut.waitFor({ state: 'visible', timeout: 15_000 }).catch(() => undefined);
        }
        await tryOut.click();
        await op.locator('button.execute').click();
        return op.locator('.live-responses-table tbody .response-col_status').first().textContent();
      };
      expect(await callMe()).toMatch(/^\s*200\b/);
      await expect.poll(() => page.locator('#operations-auth-getMe .live-responses-table').textContent(), { timeout: 30_000 }).toContain(user.email);

      await page.reload({ waitUntil: 'domcontentloaded' });
      await showAuth();
      expect(await callMe()).toMatch(/^\s*200\b/);
      expect(failed).toEqual([]);
    }, 600_000);
  });
});
