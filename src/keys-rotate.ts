// `npm run keys:rotate [-- --batch-size N]` (or `node dist/src/keys-rotate.js` in an image): re-wraps
// every data key to ENCRYPTION_KEY_CURRENT while the api keeps running. Reads the app's environment.
import pg from 'pg';
import { AppConfig } from './config/app-config.service.js';
import { EnvelopeCrypto } from './infra/crypto/envelope-crypto.service.js';
import { rotateDataKeys } from './infra/crypto/key-rotation.js';

function batchSizeArg(argv: string[]): number | undefined {
  const i = argv.findIndex((a) => a === '--batch-size' || a.startsWith('--batch-size='));
  if (i < 0) return undefined;
  const raw = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error('--batch-size: an integer from 1 to 10000');
  return n;
}

async function main(): Promise<number> {
  const config = new AppConfig();
  const crypto = new EnvelopeCrypto(config);
  const batchSize = batchSizeArg(process.argv.slice(2)) ?? config.get('KEY_ROTATION_BATCH_SIZE');
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`[keys] ${signal}: stopping after the current batch`);
      stop.abort();
    });
  }

  // the system role: rotation spans every tenant by design. A short lock_timeout: a batch whose rows
  // the app holds is left for the next run instead of making the app wait.
  const db = new pg.Client({ connectionString: config.get('SYSTEM_DATABASE_URL'), application_name: 'huntzen-keys-rotate' });
  await db.connect();
  try {
    await db.query(`SET lock_timeout = '2s'`);
    console.log(`[keys] re-wrapping data keys to ${crypto.currentVersion}, batches of ${batchSize}`);
    const result = await rotateDataKeys(db, crypto, { batchSize, signal: stop.signal, log: (line) => console.log(`[keys] ${line}`) });
    if (result.complete) {
      console.log(`[keys] done: every data key is wrapped with ${result.currentVersion}; older versions may now be removed from ENCRYPTION_KEYS once every instance runs with ENCRYPTION_KEY_CURRENT=${result.currentVersion}`);
      return 0;
    }
    console.log(
      result.interrupted
        ? '[keys] interrupted: run the command again to continue'
        : '[keys] not complete (rows failed, or were written meanwhile with an older key version): keep the old keys, check that every instance uses the new ENCRYPTION_KEY_CURRENT, and run again',
    );
    return 1;
  } finally {
    await db.end();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[keys] ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
