/**
 * Crypto-shredding only holds if the subject keys do not outlive an erasure in a backup (README
 * "Crypto-shredding and backups"). Database dumps therefore leave out the DATA of these tables (their
 * definition stays, so a restore is complete); the keys are dumped separately, into the key store, whose
 * copies are kept at most SUBJECT_KEY_BACKUP_RETENTION_DAYS. Any code that runs pg_dump must pass
 * `databaseDumpArgs()`, and dump the key store with `keyStoreDumpArgs()`.
 */
export const KEY_STORE_TABLES = ['public.subject_keys'] as const;

/** Arguments added to every `pg_dump` of the database (the long-retention backups). */
export function databaseDumpArgs(): string[] {
  return KEY_STORE_TABLES.map((t) => `--exclude-table-data=${t}`);
}

/** Arguments of the separate, short-retention key-store dump (data only: the schema comes with the database dump). */
export function keyStoreDumpArgs(): string[] {
  return ['--data-only', ...KEY_STORE_TABLES.map((t) => `--table=${t}`)];
}
