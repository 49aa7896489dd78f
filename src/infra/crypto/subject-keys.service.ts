import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { RequestContext } from '../../common/context/request-context.service.js';
import { TenantPrisma, TenantTx } from '../prisma/tenant-prisma.service.js';
import { aadFor } from './aad.js';
import { Envelope, EnvelopeCrypto, isSubjectWrapped, SUBJECT_KEY_PREFIX, SubjectKeyUnavailableError, WrappingKey } from './envelope-crypto.service.js';

/**
 * The subject keys a caller holds for one operation: unwrapped once, used for several records, dropped
 * (zeroed) with `close()`. `open` decrypts master-key records as before, so rows written before
 * crypto-shredding keep reading.
 */
export class SubjectKeyring {
  constructor(
    private readonly crypto: EnvelopeCrypto,
    private readonly keys: Map<string, Buffer>,
  ) {}

  /** The wrapping key of `subjectId`, if it was loaded or created. */
  wrapping(subjectId: string): WrappingKey | undefined {
    const key = this.keys.get(subjectId);
    return key ? { label: `${SUBJECT_KEY_PREFIX}${subjectId}`, key } : undefined;
  }

  /** Throws SubjectKeyUnavailableError when the record's subject key is gone (erased) or not the caller's to read. */
  open(env: Envelope, aad: string): Buffer {
    const subject = isSubjectWrapped(env.keyVersion) ? env.keyVersion.slice(SUBJECT_KEY_PREFIX.length) : undefined;
    return this.crypto.decrypt(env, aad, subject ? this.keys.get(subject) : undefined);
  }

  openText(env: Envelope, aad: string): string {
    return this.open(env, aad).toString('utf8');
  }

  close(): void {
    for (const key of this.keys.values()) key.fill(0);
    this.keys.clear();
  }
}

type Db = TenantTx | TenantPrisma['db'];
/** key_version of a message emptied by the erasure (ciphertext and wrapped key blanked). */
export const ERASED_KEY_VERSION = 'erased';
/** How long an unwrapped key stays cached for one reader, and how many (reader, subject) pairs at most. */
const KEY_TTL_MS = 30_000;
const KEY_CACHE_MAX = 10_000;

/**
 * Crypto-shredding (beyond the spec, README "Crypto-shredding and backups"). Each person (a User id, the
 * "subject") gets one random 256-bit key in `subject_keys`, wrapped by the master key; the data keys of
 * the records about that person — their journal entries, the messages of consultations where they are
 * the employee — are wrapped by that subject key instead of the master key. Erasure deletes the subject
 * key row (system role), after which those records cannot be decrypted from this database or from any
 * copy that lacks the key. Clinical notes stay under the master key: they outlive the erasure (20 years).
 *
 * Runs as the caller under RLS: a subject reads and creates its own key; a practitioner reads and creates
 * the key of an employee it has a consultation with (to read and write that chat). No UPDATE or DELETE
 * for the app role.
 */
@Injectable()
export class SubjectKeys {
  /**
   * Keys a reader has loaded under RLS, unwrapped, for KEY_TTL_MS (as the identity cache), keyed by
   * reader AND subject: a reader only ever gets back what the database gave that same reader. A chat
   * message or a journal entry then costs no key query. Erasure drops the subject's entries on this
   * instance at once (`forget`); on other instances they expire within KEY_TTL_MS, while the identity
   * cache refuses the erased user within the same delay and the key row is gone from the database.
   */
  private readonly cache = new Map<string, { key: Buffer; at: number }>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly tenant: TenantPrisma,
    private readonly crypto: EnvelopeCrypto,
    private readonly ctx: RequestContext,
  ) {}

  /** Drops every cached copy of a subject's key on this instance (erasure). */
  forget(subjectId: string): void {
    for (const [k, entry] of this.cache) {
      if (k.endsWith(`:${subjectId}`)) {
        entry.key.fill(0);
        this.cache.delete(k);
      }
    }
    // a read in flight may have started before the erasure: what it finds is not cached
    for (const k of this.loading.keys()) if (k.slice(k.indexOf(':') + 1).split(',').includes(subjectId)) this.loading.delete(k);
  }

  /** True when the current caller holds `subjectId`'s key in the cache (wrappingFor/ring will not query the database). */
  holds(subjectId: string): boolean {
    const me = this.ctx.identity?.userId;
    const entry = me ? this.cache.get(`${me}:${subjectId}`) : undefined;
    return !!entry && Date.now() - entry.at < KEY_TTL_MS;
  }

  private cached(reader: string, subjectId: string): Buffer | undefined {
    const k = `${reader}:${subjectId}`;
    const entry = this.cache.get(k);
    if (!entry) return undefined;
    if (Date.now() - entry.at < KEY_TTL_MS) return Buffer.from(entry.key);
    entry.key.fill(0);
    this.cache.delete(k);
    return undefined;
  }

  /** Caches `key` as read by `reader` at `at` (when its read started), replacing an older entry. */
  private remember(reader: string, subjectId: string, key: Buffer, at: number): void {
    const k = `${reader}:${subjectId}`;
    const old = this.cache.get(k);
    if (old && old.at >= at) return;
    if (old) {
      old.key.fill(0);
      this.cache.delete(k);
    } else if (this.cache.size >= KEY_CACHE_MAX) {
      // the oldest entry (a Map iterates in insertion order)
      const [oldest, entry] = this.cache.entries().next().value as [string, { key: Buffer }];
      entry.key.fill(0);
      this.cache.delete(oldest);
    }
    this.cache.set(k, { key: Buffer.from(key), at });
  }

  /**
   * Reads the keys of `subjectIds` that `reader` (the current caller, outside any transaction) may read into
   * the cache, and drops the cached ones the database no longer gives (erased). One read per (reader,
   * subjects) in flight: the messages of a busy conversation that all find the key missing or expired share
   * it instead of starting one each.
   */
  private load(reader: string, subjectIds: string[]): Promise<void> {
    const k = `${reader}:${subjectIds.join(',')}`;
    let loading = this.loading.get(k);
    if (!loading) {
      const at = Date.now();
      // false once forget() dropped this read (an erasure meanwhile): its keys are then not cached
      const current = () => this.loading.get(k) === loading;
      loading = this.tenant.db.subjectKey
        .findMany({ where: { subjectId: { in: subjectIds } }, select: { subjectId: true, encryptedKey: true, dekIv: true, dekAuthTag: true, keyVersion: true } })
        .then((rows) => {
          if (!current()) return;
          const found = new Set<string>();
          for (const row of rows) {
            const key = this.crypto.openSubjectKey(row.subjectId, row);
            this.remember(reader, row.subjectId, key, at);
            key.fill(0);
            found.add(row.subjectId);
          }
          for (const id of subjectIds) if (!found.has(id)) this.drop(reader, id);
        })
        .finally(() => {
          if (current()) this.loading.delete(k);
        });
      this.loading.set(k, loading);
    }
    return loading;
  }

  private drop(reader: string, subjectId: string): void {
    const k = `${reader}:${subjectId}`;
    this.cache.get(k)?.key.fill(0);
    this.cache.delete(k);
  }

  /**
   * Loads the keys of `subjectIds` the caller may read; with `create`, also creates the missing ones (a
   * concurrent creation wins and is read back: one key per subject, never two). Pass the caller's
   * transaction when there is one.
   */
  async ring(subjectIds: string[], opts: { create?: boolean; tx?: TenantTx } = {}): Promise<SubjectKeyring> {
    const ids = [...new Set(subjectIds)];
    const keys = new Map<string, Buffer>();
    if (ids.length === 0) return new SubjectKeyring(this.crypto, keys);
    const me = this.ctx.identity?.userId;
    const fromCache = () => {
      for (const id of ids) {
        const key = me && !keys.has(id) ? this.cached(me, id) : undefined;
        if (key) keys.set(id, key);
      }
    };
    fromCache();
    // only keys read outside any transaction are remembered: a key created in a transaction that later
    // rolls back must never be reused to seal a record (it would be unreadable for ever)
    const remember = me && !opts.tx && !this.tenant.inRequestTransaction ? me : undefined;
    if (remember) {
      // past half their life, the keys are read again in the background: a live conversation never waits
      const ageing = ids.filter((id) => keys.has(id) && Date.now() - (this.cache.get(`${remember}:${id}`)?.at ?? 0) >= KEY_TTL_MS / 2);
      if (ageing.length) this.load(remember, ageing).catch(() => undefined);
    }
    if (ids.every((id) => keys.has(id))) return new SubjectKeyring(this.crypto, keys);
    const read = async (db: Db) => {
      const rows = await db.subjectKey.findMany({
        where: { subjectId: { in: ids.filter((id) => !keys.has(id)) } },
        select: { subjectId: true, encryptedKey: true, dekIv: true, dekAuthTag: true, keyVersion: true },
      });
      for (const row of rows) keys.set(row.subjectId, this.crypto.openSubjectKey(row.subjectId, row));
    };
    // the common case is one read (shared, and cached, outside a transaction); creating (first journal
    // entry, first message) takes a transaction
    if (remember) {
      await this.load(remember, ids.filter((id) => !keys.has(id)));
      fromCache();
    } else {
      await read(opts.tx ?? this.tenant.db);
    }
    if (opts.create && ids.some((id) => !keys.has(id))) {
      const create = async (db: Db) => {
        for (const subjectId of ids.filter((id) => !keys.has(id))) {
          const { key, stored } = this.crypto.newSubjectKey(subjectId);
          key.fill(0); // the row read back below is the one that counts (a concurrent creation may win)
          await db.subjectKey.createMany({ data: [{ id: randomUUID(), subjectId, ...stored }], skipDuplicates: true });
        }
        await read(db);
      };
      if (opts.tx) await create(opts.tx);
      else await this.tenant.tx(create);
    }
    return new SubjectKeyring(this.crypto, keys);
  }

  /** The subject's wrapping key, created on first use. */
  async wrappingFor(subjectId: string, tx?: TenantTx): Promise<{ wrapping: WrappingKey; ring: SubjectKeyring }> {
    const ring = await this.ring([subjectId], { create: true, tx });
    const wrapping = ring.wrapping(subjectId);
    if (!wrapping) throw new SubjectKeyUnavailableError('subject key not created');
    return { wrapping, ring };
  }
}

/**
 * Message encryption with crypto-shredding, for the chat (one pair of functions): messages of a
 * consultation are sealed under the subject key of its EMPLOYEE (the person whose health the
 * conversation is about), whoever sends them; AAD as before (`aadFor.message`).
 *   seal:  `const { wrapping, ring } = await subjectKeys.wrappingFor(access.employeeUserId, tx)` then
 *          `sealMessage(crypto, wrapping, { id, consultationId, senderId }, text)`, `ring.close()`.
 *   open:  `const ring = await subjectKeys.ring(employeeUserIds)` then `openMessage(ring, row)` per row:
 *          null when the employee was erased (their key is gone) — show it as a deleted message.
 */
export function sealMessage(crypto: EnvelopeCrypto, wrapping: WrappingKey, m: { id: string; consultationId: string; senderId: string }, text: string): Envelope {
  return crypto.encrypt(text, aadFor.message(m.id, m.consultationId, m.senderId), wrapping);
}

export function openMessage(ring: SubjectKeyring, row: Envelope & { id: string; consultationId: string; senderId: string }): string | null {
  if (row.keyVersion === ERASED_KEY_VERSION) return null;
  try {
    return ring.openText(row, aadFor.message(row.id, row.consultationId, row.senderId));
  } catch (e) {
    if (e instanceof SubjectKeyUnavailableError) return null;
    throw e;
  }
}
