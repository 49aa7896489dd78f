import { Injectable } from '@nestjs/common';
import { CipherGCM, createCipheriv, createDecipheriv, DecipherGCM, randomBytes } from 'node:crypto';
import { AppConfig } from '../../config/app-config.service.js';
import { aadFor } from './aad.js';

const ALGO = 'aes-256-gcm';
const IV_BYTES = 16; // SPEC §7.5 / recette 5: a 32-hex IV
const TAG_BYTES = 16;

/** Everything stored next to an encrypted record (hex strings, as in the `*_content`/`iv`/`auth_tag` columns). */
export interface Envelope {
  encryptedContent: string;
  iv: string;
  authTag: string;
  encryptedDek: string;
  dekIv: string;
  dekAuthTag: string;
  keyVersion: string;
}

/**
 * `keyVersion` of a record whose data key is wrapped by a subject key rather than by a master key
 * (crypto-shredding, src/infra/crypto/subject-keys.service.ts): `sk:<subject user id>`.
 */
export const SUBJECT_KEY_PREFIX = 'sk:';
export const isSubjectWrapped = (keyVersion: string) => keyVersion.startsWith(SUBJECT_KEY_PREFIX);

/** A key other than a master key that wraps data keys: the subject key of one person. */
export interface WrappingKey {
  /** Stored as the record's keyVersion (`sk:<subject id>`). */
  label: string;
  key: Buffer;
}

/** A subject key as stored (`subject_keys`): wrapped by the master key of `keyVersion`, like a data key. */
export interface StoredSubjectKey {
  encryptedKey: string;
  dekIv: string;
  dekAuthTag: string;
  keyVersion: string;
}

/** The record's data key is wrapped by a subject key that is not available (erased, or not readable by the caller). */
export class SubjectKeyUnavailableError extends Error {
  override name = 'SubjectKeyUnavailableError';
}

/**
 * Envelope encryption (ARCHITECTURE §5): a random data key per record encrypts the content; the master
 * key (KEK) of `keyVersion` wraps the data key. `aad` binds the ciphertext to its row (table, id, owner)
 * so a ciphertext copied into another row fails to decrypt.
 */
@Injectable()
export class EnvelopeCrypto {
  private readonly keks = new Map<string, Buffer>();
  readonly currentVersion: string;

  constructor(config: AppConfig) {
    const list = config.get('ENCRYPTION_KEYS') ?? `v1:${config.get('ENCRYPTION_KEY')}`;
    for (const entry of list.split(',')) {
      const [version, hex] = entry.split(':');
      this.keks.set(version, Buffer.from(hex, 'hex'));
    }
    this.currentVersion = config.get('ENCRYPTION_KEY_CURRENT') ?? [...this.keks.keys()].at(-1)!;
    if (!this.keks.has(this.currentVersion)) {
      throw new Error(`ENCRYPTION_KEY_CURRENT=${this.currentVersion} is not among ENCRYPTION_KEYS`);
    }
  }

  /**
   * Seals `plaintext` under a fresh data key, wrapped by the current master key — or by `wrapping` (a
   * subject key), in which case erasing that subject key makes the record undecryptable for good.
   */
  encrypt(plaintext: string | Buffer, aad: string, wrapping?: WrappingKey): Envelope {
    // the data key and both IVs from one call to the CSPRNG (independent bytes; one call instead of three
    // on the chat's hot path)
    const random = randomBytes(32 + 2 * IV_BYTES);
    const dek = random.subarray(0, 32);
    try {
      const content = seal(dek, Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(plaintext, 'utf8'), aad, random.subarray(32, 32 + IV_BYTES));
      const wrapped = seal(wrapping?.key ?? this.kek(this.currentVersion), dek, `dek:${aad}`, random.subarray(32 + IV_BYTES));
      return {
        encryptedContent: content.data,
        iv: content.iv,
        authTag: content.tag,
        encryptedDek: wrapped.data,
        dekIv: wrapped.iv,
        dekAuthTag: wrapped.tag,
        keyVersion: wrapping?.label ?? this.currentVersion,
      };
    } finally {
      dek.fill(0);
    }
  }

  /**
   * Opens a record. A subject-wrapped record (`keyVersion` `sk:…`) needs that subject's key in
   * `subjectKey`; without it this throws SubjectKeyUnavailableError. Master-key records ignore it.
   */
  decrypt(env: Envelope, aad: string, subjectKey?: Buffer): Buffer {
    let wrapKey: Buffer;
    if (isSubjectWrapped(env.keyVersion)) {
      if (!subjectKey) throw new SubjectKeyUnavailableError('subject key unavailable');
      wrapKey = subjectKey;
    } else wrapKey = this.kek(env.keyVersion);
    const dek = open(wrapKey, { data: env.encryptedDek, iv: env.dekIv, tag: env.dekAuthTag }, `dek:${aad}`);
    try {
      return open(dek, { data: env.encryptedContent, iv: env.iv, tag: env.authTag }, aad);
    } finally {
      dek.fill(0);
    }
  }

  decryptText(env: Envelope, aad: string, subjectKey?: Buffer): string {
    return this.decrypt(env, aad, subjectKey).toString('utf8');
  }

  /** A new random subject key for `subjectId`, and its form wrapped by the current master key. */
  newSubjectKey(subjectId: string): { key: Buffer; stored: StoredSubjectKey } {
    const key = randomBytes(32);
    const wrapped = seal(this.kek(this.currentVersion), key, `dek:${aadFor.subjectKey(subjectId)}`);
    return { key, stored: { encryptedKey: wrapped.data, dekIv: wrapped.iv, dekAuthTag: wrapped.tag, keyVersion: this.currentVersion } };
  }

  /** Unwraps a stored subject key (same wrapping as a data key, so `rewrap` rotates it). */
  openSubjectKey(subjectId: string, stored: StoredSubjectKey): Buffer {
    return open(this.kek(stored.keyVersion), { data: stored.encryptedKey, iv: stored.dekIv, tag: stored.dekAuthTag }, `dek:${aadFor.subjectKey(subjectId)}`);
  }

  /**
   * Re-wraps the data key with the current KEK (rotation); the content ciphertext is untouched. Records
   * wrapped by a subject key are left as they are: rotating that subject key's row rotates them all.
   */
  rewrap(env: Envelope, aad: string): Envelope {
    if (env.keyVersion === this.currentVersion || isSubjectWrapped(env.keyVersion)) return env;
    const dek = open(this.kek(env.keyVersion), { data: env.encryptedDek, iv: env.dekIv, tag: env.dekAuthTag }, `dek:${aad}`);
    try {
      const wrapped = seal(this.kek(this.currentVersion), dek, `dek:${aad}`);
      return { ...env, encryptedDek: wrapped.data, dekIv: wrapped.iv, dekAuthTag: wrapped.tag, keyVersion: this.currentVersion };
    } finally {
      dek.fill(0);
    }
  }

  /**
   * Streaming form for large objects (database backups): `cipher` is a Transform to pipe the plaintext
   * through; once it has ended, `envelope()` gives what to store next to the ciphertext (no encryptedContent).
   */
  encryptStream(aad: string): { cipher: CipherGCM; envelope(): Omit<Envelope, 'encryptedContent'> } {
    const dek = randomBytes(32);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGO, dek, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const wrapped = seal(this.kek(this.currentVersion), dek, `dek:${aad}`);
    dek.fill(0);
    return {
      cipher,
      envelope: () => ({ iv: iv.toString('hex'), authTag: cipher.getAuthTag().toString('hex'), encryptedDek: wrapped.data, dekIv: wrapped.iv, dekAuthTag: wrapped.tag, keyVersion: this.currentVersion }),
    };
  }

  /** The Transform that decrypts what encryptStream produced; it fails at the end if anything was altered. */
  decryptStream(env: Omit<Envelope, 'encryptedContent'>, aad: string): DecipherGCM {
    const dek = open(this.kek(env.keyVersion), { data: env.encryptedDek, iv: env.dekIv, tag: env.dekAuthTag }, `dek:${aad}`);
    try {
      const decipher = createDecipheriv(ALGO, dek, Buffer.from(env.iv, 'hex'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(env.authTag, 'hex'));
      return decipher;
    } finally {
      dek.fill(0);
    }
  }

  /** One-column form for small secrets (e.g. the TOTP secret): `henv1.<json>`. */
  encryptToString(plaintext: string, aad: string): string {
    return EnvelopeCrypto.serialize(this.encrypt(plaintext, aad));
  }

  decryptFromString(serialized: string, aad: string): string {
    return this.decryptText(EnvelopeCrypto.parse(serialized), aad);
  }

  static serialize(env: Envelope): string {
    return `henv1.${Buffer.from(JSON.stringify(env)).toString('base64url')}`;
  }

  static parse(serialized: string): Envelope {
    if (!serialized.startsWith('henv1.')) throw new Error('Unknown envelope format');
    return JSON.parse(Buffer.from(serialized.slice(6), 'base64url').toString('utf8')) as Envelope;
  }

  private kek(version: string): Buffer {
    const key = this.keks.get(version);
    if (!key) throw new Error(`Unknown key version ${version}`);
    return key;
  }
}

function seal(key: Buffer, data: Buffer, aad: string, iv: Buffer = randomBytes(IV_BYTES)) {
  const cipher = createCipheriv(ALGO, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const out = Buffer.concat([cipher.update(data), cipher.final()]);
  return { data: out.toString('hex'), iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex') };
}

function open(key: Buffer, box: { data: string; iv: string; tag: string }, aad: string): Buffer {
  const tag = Buffer.from(box.tag, 'hex');
  if (tag.length !== TAG_BYTES) throw new Error('Invalid authentication tag length');
  const decipher = createDecipheriv(ALGO, key, Buffer.from(box.iv, 'hex'), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(Buffer.from(box.data, 'hex')), decipher.final()]);
}
