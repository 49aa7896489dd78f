#!/usr/bin/env node
// `npm run keys:rotate [-- --batch-size N]`: compiles the app (tsc, into .data/keys/dist so a running
// `npm run dev` keeps its dist/) and runs src/keys-rotate.ts with the api's environment (.env and the
// process environment). In a built image run `node dist/src/keys-rotate.js` instead.
import path from 'node:path';
import { ROOT, ensureDependencies, hasPrisma, loadEnvFile, prisma, runChild, say, signalChild } from './common.mjs';

const TAG = 'keys';
const OUT = path.join(ROOT, '.data', 'keys', 'dist');

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => signalChild(signal)); // the rotation stops after its batch

async function main() {
  await ensureDependencies(TAG);
  if (loadEnvFile('.env')) say(TAG, 'loaded .env');
  if (hasPrisma()) await prisma(TAG, ['generate']);
  say(TAG, 'compiling (tsc)');
  const tsc = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');
  const built = await runChild(tsc, ['-p', 'tsconfig.build.json', '--outDir', OUT, '--tsBuildInfoFile', path.join(OUT, '.tsbuildinfo')]);
  if (built !== 0) throw new Error(`tsc failed (exit ${built})`);
  // its own process group: one Ctrl-C reaches it once (stop after the batch), a second one ends it
  return runChild(process.execPath, [path.join(OUT, 'src', 'keys-rotate.js'), ...process.argv.slice(2)], { group: true });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    say(TAG, err.message);
    process.exit(1);
  },
);
