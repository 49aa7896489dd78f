-- S5 backups and crypto-shredding (README "Crypto-shredding and backups"): every backup job writes two
-- objects. The database dump leaves out the data of subject_keys (long retention); the key store
-- (subject_keys, data only) is dumped right after it, encrypted under its own data key, into an object of
-- its own, recorded here and deleted by the `key-store-dumps` retention purge SUBJECT_KEY_BACKUP_RETENTION_DAYS
-- after it was taken. Erasing a subject key is therefore final in every backup once the key-store dumps
-- taken before the erasure have expired.
-- Only the system role (the backup job, the purge, the key rotation) reads or writes this table: the app
-- role has no privilege and no policy; rows are immutable but for their one-way purge mark.

CREATE TABLE "key_store_dumps" (
    "id" UUID NOT NULL,
    "backup_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "purged_at" TIMESTAMPTZ(3),
    "location" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "iv" TEXT NOT NULL,
    "auth_tag" TEXT NOT NULL,
    "encrypted_dek" TEXT NOT NULL,
    "dek_iv" TEXT NOT NULL,
    "dek_auth_tag" TEXT NOT NULL,
    "key_version" TEXT NOT NULL,

    CONSTRAINT "key_store_dumps_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "key_store_dumps_backup_id_key" ON "key_store_dumps"("backup_id");
CREATE INDEX "key_store_dumps_expires_at_idx" ON "key_store_dumps"("expires_at");
ALTER TABLE "key_store_dumps" ADD CONSTRAINT "key_store_dumps_backup_id_fkey" FOREIGN KEY ("backup_id") REFERENCES "backup_records"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE key_store_dumps ADD CONSTRAINT key_store_dumps_expires_after_creation CHECK (expires_at > created_at);

ALTER TABLE key_store_dumps ENABLE ROW LEVEL SECURITY;
ALTER TABLE key_store_dumps FORCE ROW LEVEL SECURITY;
-- the default privileges granted the app role everything on new tables: take it back
REVOKE ALL ON key_store_dumps FROM PUBLIC, huntzen_app;
GRANT SELECT, INSERT, UPDATE ON key_store_dumps TO huntzen_system;
REVOKE DELETE ON key_store_dumps FROM huntzen_system;

-- Immutable record: only purged_at changes, once, from NULL; the key rotation may re-wrap the data key
-- (encrypted_dek, dek_iv, dek_auth_tag, key_version) of a dump not yet purged.
CREATE OR REPLACE FUNCTION key_store_dumps_guard_update() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.backup_id, NEW.created_at, NEW.expires_at, NEW.location, NEW.size_bytes, NEW.iv, NEW.auth_tag)
     IS DISTINCT FROM (OLD.id, OLD.backup_id, OLD.created_at, OLD.expires_at, OLD.location, OLD.size_bytes, OLD.iv, OLD.auth_tag) THEN
    RAISE EXCEPTION 'key_store_dumps %: only purged_at and the wrapping of the data key may change', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.purged_at IS NOT NULL AND (NEW.purged_at IS DISTINCT FROM OLD.purged_at
                                    OR (NEW.encrypted_dek, NEW.dek_iv, NEW.dek_auth_tag, NEW.key_version)
                                       IS DISTINCT FROM (OLD.encrypted_dek, OLD.dek_iv, OLD.dek_auth_tag, OLD.key_version)) THEN
    RAISE EXCEPTION 'key_store_dumps %: a purged dump is final', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER key_store_dumps_guard_update_trigger
  BEFORE UPDATE ON key_store_dumps
  FOR EACH ROW EXECUTE FUNCTION key_store_dumps_guard_update();
