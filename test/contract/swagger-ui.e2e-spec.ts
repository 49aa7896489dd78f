import { Role } from '@prisma/client';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { createUser } from '../helpers/fixtures.js';
import { login } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';

/**
 * Debian's Chromium: `npm test` (scripts/chromium.mjs) installs it with apt-get when it is missing and passes
 * its path, or why it could not be installed; only then is the browser part skipped, with that message.
 */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`Swagger UI browser test skipped: ${process.env.CHROMIUM_UNAVAILABLE ?? `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`}`);
}

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
    // ignored by browsers on an http origin, where it only logs an error on every page
    expect(plain.headers['cross-origin-opener-policy']).toBeUndefined();
    // TRUST_PROXY=loopback: the local proxy's X-Forwarded-Proto is believed
    const tls = await t.http.get('/api/docs/').set('X-Forwarded-Proto', 'https').expect(200);
    expect(tls.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(tls.headers['strict-transport-security']).toBeDefined();
    expect(tls.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  describe.skipIf(!hasChromium)('in headless Chromium, from a non-localhost host over http', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: [`--host-resolver-rules=MAP ${HOST} 127.0.0.1`, '--no-sandbox'] });
    }, 60_000);
    afterAll(() => browser?.close());

    it('authorizes, calls GET /api/auth/me (200), remembers the token after a reload, and renders every operation', async () => {
      const user = await createUser(t.db, Role.EMPLOYEE);
      const { accessToken } = await login(t.http, user);
      // Swagger UI (swagger-ui-dist 5.33) virtualizes the operation list once it has 150 rows (tags +
      // operations; today ~170): only the rows near the viewport are in the DOM. An operation is reached as a
      // user reaches it, by its deep link (Swagger UI scrolls to it and opens it) or by scrolling.
      const { body: doc } = await t.http.get('/api/docs-json').expect(200);
      const lastOperation = lastRenderedOperation(doc);

      const page = await browser.newPage();
      // two shared cores: loading Swagger UI and a ~540 kB document takes seconds when the machine is busy
      page.setDefaultTimeout(60_000);
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

      const getMe = page.locator('#operations-auth-getMe');
      const callMe = async () => {
        await getMe.locator('button.try-out__btn').click();
        await getMe.locator('button.execute').click();
        return getMe.locator('.live-responses-table tbody .response-col_status').first().textContent();
      };

      await page.goto(`http://${HOST}:${port}/api/docs#/auth/getMe`);
      await page.locator('#operations-auth-getMe.is-open').waitFor();
      // the operation's own lock: the "Authorize" button at the top would scroll getMe out of the DOM
      await getMe.locator('button.authorization__btn').click();
      await page.locator('.modal-ux input').first().fill(accessToken);
      await page.locator('.modal-ux button.authorize').click();
      await page.locator('.modal-ux button.btn-done').click();
      await page.locator('button.authorize.locked').first().waitFor();
      expect(await callMe()).toMatch(/^\s*200\b/);
      await expect.poll(() => getMe.locator('.live-responses-table tbody .response-col_description').first().textContent()).toContain(user.email);

      // persistAuthorization: the token comes back from localStorage, the next call is authorized
      await page.reload();
      await page.locator('#operations-auth-getMe.is-open').waitFor();
      await page.locator('button.authorize.locked').first().waitFor();
      expect(await callMe()).toMatch(/^\s*200\b/);

      // the whole document renders: scrolled to the end, the last operation of the last tag is in the DOM
      await expect
        .poll(async () => {
          await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
          return page.locator(`#operations-${lastOperation}`).count();
        }, { timeout: 60_000 })
        .toBe(1);
      expect(problems).toEqual([]);
    }, 180_000);
  });
});

/** `<tag>-<operationId>` of the operation Swagger UI shows last: last tag of `tags`, then path order. */
function lastRenderedOperation(doc: { tags: { name: string }[]; paths: Record<string, Record<string, { tags?: string[]; operationId: string }>> }): string {
  const tag = doc.tags[doc.tags.length - 1].name;
  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).filter((op) => op.tags?.includes(tag)).map((op) => op.operationId));
  return `${tag}-${ids[ids.length - 1]}`;
}
