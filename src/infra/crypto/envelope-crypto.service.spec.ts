import { AppConfig } from '../../config/app-config.service.js';
import { EnvelopeCrypto } from './envelope-crypto.service.js';

function cryptoWith(keys: string, current?: string): EnvelopeCrypto {
  const values: Record<string, string | undefined> = { ENCRYPTION_KEYS: keys, ENCRYPTION_KEY_CURRENT: current };
  return new EnvelopeCrypto({ get: (k: string) => values[k] } as unknown as AppConfig);
}

const K1 = `v1:${'11'.repeat(32)}`;
const K2 = `v2:${'22'.repeat(32)}`;

describe('EnvelopeCrypto (AES-256-GCM, per-record data keys)', () => {
  const c = cryptoWith(`${K1},${K2}`, 'v2');

  it('round-trips with 32-hex IVs and tags, a fresh IV and data key every time', () => {
    const a = c.encrypt('Séance difficile, anxiété au travail', 'clinical_notes:n1:p1');
    const b = c.encrypt('Séance difficile, anxiété au travail', 'clinical_notes:n1:p1');
    expect(a.iv).toMatch(/^[0-9a-f]{32}$/);
    expect(a.authTag).toMatch(/^[0-9a-f]{32}$/);
    expect(a.keyVersion).toBe('v2');
    expect(a.iv).not.toBe(b.iv);
    expect(a.encryptedDek).not.toBe(b.encryptedDek);
    expect(a.encryptedContent).not.toContain('anxi');
    expect(c.decryptText(a, 'clinical_notes:n1:p1')).toBe('Séance difficile, anxiété au travail');
  });

  it('fails on a tampered ciphertext, tag, or a ciphertext moved to another row (AAD)', () => {
    const env = c.encrypt('secret', 'journal_entries:j1:e1');
    const flip = (hex: string) => (hex[0] === 'a' ? 'b' : 'a') + hex.slice(1);
    expect(() => c.decrypt({ ...env, encryptedContent: flip(env.encryptedContent) }, 'journal_entries:j1:e1')).toThrow();
    expect(() => c.decrypt({ ...env, authTag: flip(env.authTag) }, 'journal_entries:j1:e1')).toThrow();
    expect(() => c.decrypt({ ...env, authTag: env.authTag.slice(0, 8) }, 'journal_entries:j1:e1')).toThrow(/tag length/);
    expect(() => c.decrypt(env, 'journal_entries:j2:e1')).toThrow();
  });

  it('reads old key versions and re-wraps data keys to the current one (rotation)', () => {
    const old = cryptoWith(K1, 'v1').encrypt('message', 'messages:m1:u1');
    expect(old.keyVersion).toBe('v1');
    expect(c.decryptText(old, 'messages:m1:u1')).toBe('message');
    const rewrapped = c.rewrap(old, 'messages:m1:u1');
    expect(rewrapped.keyVersion).toBe('v2');
    expect(rewrapped.encryptedContent).toBe(old.encryptedContent);
    expect(cryptoWith(K2, 'v2').decryptText(rewrapped, 'messages:m1:u1')).toBe('message');
  });

  it('re-wraps only the data key: content ciphertext, IV and tag stay byte-identical, the key is bound to its row', () => {
    const v1Only = cryptoWith(K1, 'v1');
    const v2Only = cryptoWith(K2, 'v2');
    const aad = 'clinical_notes:n1:p1:c1';
    const old = v1Only.encrypt(Buffer.from([0, 1, 2, 250, 255]), aad);
    const rewrapped = c.rewrap(old, aad);
    expect(Buffer.from(rewrapped.encryptedContent, 'hex').equals(Buffer.from(old.encryptedContent, 'hex'))).toBe(true);
    expect([rewrapped.iv, rewrapped.authTag]).toEqual([old.iv, old.authTag]);
    expect(rewrapped.encryptedDek).not.toBe(old.encryptedDek);
    expect(rewrapped.dekIv).not.toBe(old.dekIv);
    expect(v2Only.decrypt(rewrapped, aad).equals(Buffer.from([0, 1, 2, 250, 255]))).toBe(true);
    expect(() => v1Only.decrypt(rewrapped, aad)).toThrow(/v2/); // the old master key is no longer needed
    expect(() => v2Only.decrypt(old, aad)).toThrow(/v1/);
    expect(() => c.rewrap(old, 'clinical_notes:n2:p1:c1')).toThrow(); // the wrapped key belongs to its row
    expect(c.rewrap(rewrapped, aad)).toBe(rewrapped); // already current: untouched

    const sealed = v1Only.encryptToString('JBSWY3DPEHPK3PXP', 'users.two_factor_secret:u1');
    const resealed = EnvelopeCrypto.serialize(c.rewrap(EnvelopeCrypto.parse(sealed), 'users.two_factor_secret:u1'));
    expect(EnvelopeCrypto.parse(resealed).encryptedContent).toBe(EnvelopeCrypto.parse(sealed).encryptedContent);
    expect(v2Only.decryptFromString(resealed, 'users.two_factor_secret:u1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('serialises small secrets in one column', () => {
    const s = c.encryptToString('JBSWY3DPEHPK3PXP', 'users.two_factor_secret:u1');
    expect(s.startsWith('henv1.')).toBe(true);
    expect(s).not.toContain('JBSWY3DPEHPK3PXP');
    expect(c.decryptFromString(s, 'users.two_factor_secret:u1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => c.decryptFromString(s, 'users.two_factor_secret:u2')).toThrow();
  });

  it('refuses a current version that has no key', () => {
    expect(() => cryptoWith(K1, 'v9')).toThrow(/v9/);
  });
});
