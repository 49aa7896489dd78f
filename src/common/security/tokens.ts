import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe random token (256 bits) for e-mail links; only its hash is stored. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex: tokens are high-entropy, so a fast hash is enough and keeps the unique index usable. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
