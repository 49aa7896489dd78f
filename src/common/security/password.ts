import { hash, verify } from '@node-rs/argon2';

const ARGON2ID = 2; // Algorithm.Argon2id (a const enum, unreadable under isolatedModules)

// argon2id with OWASP's recommended floor (19 MiB, t=2, p=1); the parameters are recorded in the hash
// string, so raising them later keeps old hashes verifiable.
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(plain: string): Promise<string> {
  return hash(plain, OPTIONS);
}

/**
 * The password hash of an account that has no password yet (invited, not activated): no input can match
 * it, and `verifyPassword` still spends a full hash on it, so such accounts cannot be told apart by timing.
 */
export const NO_PASSWORD_HASH = '!';

export async function verifyPassword(hashed: string, plain: string): Promise<boolean> {
  if (!hashed.startsWith('$argon2')) {
    await verify(await dummyPasswordHash(), plain).catch(() => false);
    return false;
  }
  try {
    return await verify(hashed, plain);
  } catch {
    return false; // malformed hash: treat as a mismatch, never as an error leaking details
  }
}

// A hash of a random password, used to spend the same time when the e-mail is unknown (no timing oracle).
let dummy: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword('Dummy-password-1!');
  return dummy;
}
