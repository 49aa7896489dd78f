import { aadFor } from './aad.js';
import { EnvelopeCrypto, type Envelope } from './envelope-crypto.service.js';

/** What the rotation needs from a PostgreSQL connection (a `pg` Client or Pool on the system role). */
export interface Queryable {
  query<R = any>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

interface Candidate {
  id: string;
  aad: string;
  /** Column tables: only the wrapped key part (the content is neither read nor written). */
  env: Envelope;
  /** The stored value the conditional update compares against (the wrapped key, or the whole sealed string). */
  old: string;
}

interface Rewrapped {
  id: string;
  old: string;
  oldVersion: string;
  env: Envelope;
}

/** A table holding wrapped data keys. */
interface Target {
  name: string;
  /** Rows this run has to look at. */
  pending(db: Queryable, current: string): Promise<number>;
  /** The next rows by id after `afterId` that may need re-wrapping. */
  page(db: Queryable, current: string, afterId: string, limit: number): Promise<Candidate[]>;
  /** Writes one batch in one statement; returns how many rows were updated. */
  write(db: Queryable, current: string, batch: Rewrapped[]): Promise<number>;
}

const MIN_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Envelope columns `encrypted_content, iv, auth_tag, <dek>, dek_iv, dek_auth_tag, key_version`. Only the
 * wrapped key columns are written; the update is conditional on the wrapped key read, so a row that the
 * app rewrote meanwhile (a new data key, whatever its version) is left alone.
 */
function columnTarget(name: string, dek: string, filter: string, owners: string[], aad: (id: string, o: string[]) => string): Target {
  const where = `${filter} AND key_version <> $1`;
  return {
    name,
    async pending(db, current) {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name} WHERE ${where}`, [current]);
      return rows[0].n;
    },
    async page(db, current, afterId, limit) {
      const { rows } = await db.query<Record<string, string>>(
        `SELECT id::text${owners.map((o) => `, ${o}::text`).join('')}, ${dek} AS dek, dek_iv, dek_auth_tag, key_version
           FROM ${name} WHERE ${where} AND id > $2::uuid ORDER BY id LIMIT $3`,
        [current, afterId, limit],
      );
      return rows.map((r) => ({
        id: r.id,
        aad: aad(r.id, owners.map((o) => r[o])),
        env: { encryptedContent: '', iv: '', authTag: '', encryptedDek: r.dek, dekIv: r.dek_iv, dekAuthTag: r.dek_auth_tag, keyVersion: r.key_version },
        old: r.dek,
      }));
    },
    async write(db, current, batch) {
      const res = await db.query(
        `UPDATE ${name} t SET ${dek} = v.dek, dek_iv = v.iv, dek_auth_tag = v.tag, key_version = $7
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS v(id, old_version, old_dek, dek, iv, tag)
          WHERE t.id = v.id AND t.key_version = v.old_version AND t.${dek} = v.old_dek`,
        [
          batch.map((b) => b.id),
          batch.map((b) => b.oldVersion),
          batch.map((b) => b.old),
          batch.map((b) => b.env.encryptedDek),
          batch.map((b) => b.env.dekIv),
          batch.map((b) => b.env.dekAuthTag),
          current,
        ],
      );
      return res.rowCount ?? 0;
    },
  };
}

/** TOTP secrets: the envelope is serialised in `users.two_factor_secret` (`henv1.…`), its version inside. */
const totpSecrets: Target = {
  name: 'users.two_factor_secret',
  async pending(db) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE two_factor_secret IS NOT NULL`);
    return rows[0].n;
  },
  async page(db, _current, afterId, limit) {
    const { rows } = await db.query<{ id: string; s: string }>(
      `SELECT id::text, two_factor_secret AS s FROM users WHERE two_factor_secret IS NOT NULL AND id > $1::uuid ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, aad: aadFor.totpSecret(r.id), env: safeParse(r.s), old: r.s }));
  },
  async write(db, _current, batch) {
    const res = await db.query(
      `UPDATE users t SET two_factor_secret = v.sealed
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, old, sealed)
        WHERE t.id = v.id AND t.two_factor_secret = v.old`,
      [batch.map((b) => b.id), batch.map((b) => b.old), batch.map((b) => EnvelopeCrypto.serialize(b.env))],
    );
    return res.rowCount ?? 0;
  },
};

/** A malformed value is reported as failed by the rewrap (unknown version), not fatal to the page. */
function safeParse(sealed: string): Envelope {
  try {
    return EnvelopeCrypto.parse(sealed);
  } catch {
    return { keyVersion: '?' } as Envelope;
  }
}

/** Rows whose data key is wrapped by a master key (not by a subject key, `sk:<subject>`). */
const BY_MASTER_KEY = `key_version NOT LIKE 'sk:%' AND key_version <> 'erased'`;

/** Every table that holds wrapped data keys. A new encrypted column must be added here. */
export const ROTATION_TARGETS: readonly Target[] = [
  // records whose data key is wrapped by a subject key (`sk:…`) are rotated through subject_keys below
  columnTarget('messages', 'encrypted_dek', BY_MASTER_KEY, ['consultation_id', 'sender_id'], (id, [c, s]) => aadFor.message(id, c, s)),
  columnTarget('clinical_notes', 'encrypted_dek', 'true', ['practitioner_id', 'consultation_id'], (id, [p, c]) => aadFor.clinicalNote(id, p, c)),
  columnTarget('journal_entries', 'encrypted_dek', BY_MASTER_KEY, ['employee_id'], (id, [e]) => aadFor.journalEntry(id, e)),
  columnTarget('subject_keys', 'encrypted_key', 'true', ['subject_id'], (id, [s]) => aadFor.subjectKey(s)),
  // the file content is in the storage; only its wrapped key is in the row
  columnTarget('files', 'encryption_key', 'is_encrypted AND key_version IS NOT NULL', ['uploaded_by'], (id, [u]) => aadFor.file(id, u)),
  totpSecrets,
  // on-demand database backups (S5): the dump is in the storage, its wrapped key in the record
  columnTarget('backup_records', 'encrypted_dek', 'encrypted_dek IS NOT NULL', [], (id) => aadFor.backup(id)),
  // their key-store dumps, until the retention purge deletes them
  columnTarget('key_store_dumps', 'encrypted_dek', 'purged_at IS NULL', [], (id) => aadFor.keyStoreDump(id)),
];

export interface TableStats {
  table: string;
  /** Rows looked at (not yet at the current version when the run started; every TOTP secret). */
  examined: number;
  rewrapped: number;
  alreadyCurrent: number;
  /** Rows whose key could not be unwrapped (unknown version, tampered): ids are printed, never content. */
  failed: number;
  /** Rows the app changed or locked during the batch: left as they are. */
  skipped: number;
  /** Rows still not at the current version when the run ended (0 = done). */
  remaining: number;
}

export interface RotationOptions {
  /** Rows per batch (one read, one update statement each). */
  batchSize?: number;
  /** Stops after the batch in progress; a later run continues where this one stopped. */
  signal?: AbortSignal;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Called after each committed batch (tests interrupt a run from here). */
  afterBatch?: (table: string, stats: TableStats) => void;
}

export interface RotationResult {
  currentVersion: string;
  tables: TableStats[];
  interrupted: boolean;
  /** True when every table is at the current version and nothing failed. */
  complete: boolean;
}

/**
 * Re-wraps every data key to the current master key version (SPEC §7.5, ARCHITECTURE §5), table by
 * table, in batches by id. Content ciphertexts are never touched. Rows already at the current version
 * are not read again, so a run that was stopped (or crashed) is simply started again. Each batch is a
 * single UPDATE (its own short transaction), conditional on the value read: a concurrent write by the
 * app is never overwritten. Old versions stay readable by the app throughout.
 */
export async function rotateDataKeys(db: Queryable, crypto: EnvelopeCrypto, opts: RotationOptions = {}): Promise<RotationResult> {
  const batchSize = opts.batchSize ?? 500;
  const log = opts.log ?? (() => undefined);
  const current = crypto.currentVersion;
  const tables: TableStats[] = [];
  let interrupted = false;

  for (const target of ROTATION_TARGETS) {
    const stats: TableStats = { table: target.name, examined: 0, rewrapped: 0, alreadyCurrent: 0, failed: 0, skipped: 0, remaining: 0 };
    tables.push(stats);
    if (interrupted || opts.signal?.aborted) {
      interrupted = true;
      stats.remaining = await remaining(db, target, crypto);
      continue;
    }
    const total = await target.pending(db, current);
    log(`${target.name}: ${total} to examine`);
    let afterId = MIN_UUID;
    for (;;) {
      const rows = await target.page(db, current, afterId, batchSize);
      if (rows.length === 0) break;
      afterId = rows.at(-1)!.id;
      const batch: Rewrapped[] = [];
      for (const row of rows) {
        stats.examined++;
        if (row.env.keyVersion === current) {
          stats.alreadyCurrent++;
          continue;
        }
        try {
          batch.push({ id: row.id, old: row.old, oldVersion: row.env.keyVersion, env: crypto.rewrap(row.env, row.aad) });
        } catch (e) {
          stats.failed++;
          log(`${target.name}: row ${row.id} not re-wrapped (${(e as Error).message})`);
        }
      }
      if (batch.length > 0) {
        const written = await writeBatch(db, target, current, batch);
        stats.rewrapped += written;
        stats.skipped += batch.length - written;
      }
      log(`${target.name}: ${stats.examined}/${total} (re-wrapped ${stats.rewrapped})`);
      opts.afterBatch?.(target.name, { ...stats });
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
    }
    stats.remaining = await remaining(db, target, crypto);
    log(`${target.name}: ${interrupted ? 'stopped' : 'done'}, re-wrapped ${stats.rewrapped}, failed ${stats.failed}, skipped ${stats.skipped}, remaining ${stats.remaining}`);
  }
  const complete = !interrupted && tables.every((t) => t.remaining === 0 && t.failed === 0);
  return { currentVersion: current, tables, interrupted, complete };
}

/**
 * A batch whose rows are locked by the app longer than the session's lock_timeout is left for the next
 * run rather than holding the app up (returns 0: counted as skipped).
 */
async function writeBatch(db: Queryable, target: Target, current: string, batch: Rewrapped[]): Promise<number> {
  try {
    return await target.write(db, current, batch);
  } catch (e) {
    if ((e as { code?: string }).code === '55P03') return 0; // lock_not_available
    throw e;
  }
}

/** Rows not at the current version (TOTP secrets: parsed, their version is inside the value). */
async function remaining(db: Queryable, target: Target, crypto: EnvelopeCrypto): Promise<number> {
  if (target !== totpSecrets) return target.pending(db, crypto.currentVersion);
  let n = 0;
  let afterId = MIN_UUID;
  for (;;) {
    const rows = await target.page(db, crypto.currentVersion, afterId, 1000);
    if (rows.length === 0) return n;
    afterId = rows.at(-1)!.id;
    n += rows.filter((r) => r.env.keyVersion !== crypto.currentVersion).length;
  }
}
