// scripts/chromium.mjs, the step of `npm test` that installs Debian's Chromium for the Swagger UI test. The
// machine's own Chromium must stay, so apt-get is a stand-in script here that records how it is called and
// "installs" a binary at a temporary path; everything else (spawning, ordering, checks) is the real code.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureChromium, runsBrowserTest } from '../../scripts/chromium.mjs';

describe('ensureChromium (npm test installs Chromium for the browser test)', () => {
  let dir: string;
  let bin: string;
  let calls: string;
  let logFile: string;
  const aptGet = (installExit = 0) => {
    const file = path.join(dir, `apt-get-${installExit}`);
    fs.writeFileSync(
      file,
      `#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> '${calls}'\n` +
        `case "$*" in *install*) [ ${installExit} -eq 0 ] || { echo 'E: Unable to locate package chromium' >&2; exit ${installExit}; }; : > '${bin}'; chmod +x '${bin}';; esac\n`,
      { mode: 0o755 },
    );
    return file;
  };
  const recorded = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n') : []);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-install-'));
    bin = path.join(dir, 'bin', 'chromium');
    fs.mkdirSync(path.dirname(bin));
    calls = path.join(dir, 'calls.txt');
    logFile = path.join(dir, 'logs', 'apt-chromium.log');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uses Chromium as it is when present, without apt-get', async () => {
    fs.writeFileSync(bin, '', { mode: 0o755 });
    expect(await ensureChromium({ bin, aptGet: aptGet(), isRoot: true, env: {}, logFile })).toEqual({ path: bin });
    expect(recorded()).toEqual([]);
  });

  it('when missing, as root: apt-get update then install -y chromium, non-interactive, and returns the binary', async () => {
    const messages: string[] = [];
    const result = await ensureChromium({ bin, aptGet: aptGet(), isRoot: true, env: { PATH: process.env.PATH }, logFile, log: (m) => messages.push(m) });
    expect(result).toEqual({ path: bin });
    expect(recorded()).toEqual([
      'noninteractive -qq -o DPkg::Lock::Timeout=300 update',
      'noninteractive -y -qq -o DPkg::Lock::Timeout=300 install chromium',
    ]);
    expect(messages.join('\n')).toContain('installing');
  });

  it('a failed install gives the reason and the log, for the skip message', async () => {
    const result = await ensureChromium({ bin, aptGet: aptGet(100), isRoot: true, env: {}, logFile });
    expect(result.path).toBeUndefined();
    expect(result.reason).toMatch(/apt-get install chromium failed \(exit 100\).*apt-chromium\.log/);
    expect(fs.readFileSync(logFile, 'utf8')).toContain('Unable to locate package chromium');
  });

  it('does not try when it may not: not root, NO_APT_INSTALL, no apt-get, or an explicit CHROMIUM_PATH', async () => {
    const apt = aptGet();
    expect((await ensureChromium({ bin, aptGet: apt, isRoot: false, env: {}, logFile })).reason).toContain('not root');
    expect((await ensureChromium({ bin, aptGet: apt, isRoot: true, env: { NO_APT_INSTALL: '1' }, logFile })).reason).toContain('NO_APT_INSTALL');
    expect((await ensureChromium({ bin, aptGet: null, isRoot: true, env: {}, logFile })).reason).toContain('apt-get is not available');
    const missing = path.join(dir, 'elsewhere', 'chrome');
    expect((await ensureChromium({ aptGet: apt, isRoot: true, env: { CHROMIUM_PATH: missing }, logFile })).reason).toContain(`CHROMIUM_PATH=${missing} does not exist`);
    expect(recorded()).toEqual([]);
  });

  it('is only needed when the run includes the Swagger UI test', () => {
    expect(runsBrowserTest([])).toBe(true);
    expect(runsBrowserTest(['test/contract'])).toBe(true);
    expect(runsBrowserTest(['./test/contract/swagger-ui.e2e-spec.ts'])).toBe(true);
    expect(runsBrowserTest(['-t', 'login'])).toBe(true);
    expect(runsBrowserTest(['test/authz', '-u'])).toBe(false);
    expect(runsBrowserTest(['test/contract/client-drift.e2e-spec.ts', '--update'])).toBe(false);
  });
});
