-- RGPD (issue 9 item 4): erasure with crypto-shredding, confirmed deletion requests, consents.

-- CreateTable
CREATE TABLE "subject_keys" (
    "id" UUID NOT NULL,
    "subject_id" UUID NOT NULL,
    "encrypted_key" TEXT NOT NULL,
    "dek_iv" TEXT NOT NULL,
    "dek_auth_tag" TEXT NOT NULL,
    "key_version" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "subject_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "subject_keys_subject_id_key" ON "subject_keys"("subject_id");

-- AddForeignKey
ALTER TABLE "subject_keys" ADD CONSTRAINT "subject_keys_subject_id_fkey" FOREIGN KEY ("subject_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "deletion_requests" ADD COLUMN     "confirmation_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "confirmation_token_hash" TEXT,
ADD COLUMN     "confirmed_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE UNIQUE INDEX "consents_one_active_per_type" ON "consents"("user_id", "type") WHERE "withdrawn_at" IS NULL;

-- Hand-written below.

-- ════════════════════════ 1. subject_keys: one random key per person (crypto-shredding) ════════════════════════
-- A subject key (wrapped by the master key, like a data key) wraps the data keys of the records about
-- that person: their journal entries, the messages of consultations where they are the employee. Erasure
-- deletes the row: those records never decrypt again, from this database or from any dump that lacks the
-- key (see README "Crypto-shredding and backups"). Read and created by the subject, and by a practitioner
-- of one of the subject's consultations (to read and write that chat); never updated nor deleted by the
-- app role — key rotation and erasure run on the system role.
ALTER TABLE subject_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE subject_keys FORCE ROW LEVEL SECURITY;
REVOKE UPDATE, DELETE ON subject_keys FROM huntzen_app;

CREATE POLICY subject_keys_subject_select ON subject_keys FOR SELECT
  USING (subject_id = (SELECT app_user_id()));
CREATE POLICY subject_keys_subject_insert ON subject_keys FOR INSERT
  WITH CHECK (subject_id = (SELECT app_user_id()));
-- The consultations and employees reads run under the practitioner's own RLS (its own consultations).
CREATE POLICY subject_keys_practitioner_select ON subject_keys FOR SELECT
  USING ((SELECT app_role()) = 'PRACTITIONER'
         AND EXISTS (SELECT 1 FROM consultations c JOIN employees e ON e.id = c.employee_id
                     WHERE e.user_id = subject_keys.subject_id AND c.practitioner_id = (SELECT app_practitioner_id())));
CREATE POLICY subject_keys_practitioner_insert ON subject_keys FOR INSERT
  WITH CHECK ((SELECT app_role()) = 'PRACTITIONER'
              AND EXISTS (SELECT 1 FROM consultations c JOIN employees e ON e.id = c.employee_id
                          WHERE e.user_id = subject_keys.subject_id AND c.practitioner_id = (SELECT app_practitioner_id())));

-- ════════════════════════ 2. deletion_requests: the user's steps only ════════════════════════
-- The owner policy (deletion_requests_own, FOR ALL) decides whose rows; this trigger decides what an app
-- caller may write: a new request is PENDING, unconfirmed, stamped now; afterwards only confirming it
-- (confirmed_at := now(), the single-use token cleared), replacing the pending confirmation token, or
-- cancelling it (CANCELLED, cancelled_at := now()). The dates, the reason and COMPLETED belong to the
-- system (the erasure job). The app role cannot delete a request.
REVOKE DELETE ON deletion_requests FROM huntzen_app;

CREATE OR REPLACE FUNCTION deletion_requests_guard_write() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.requested_at := now();
    IF NEW.status <> 'PENDING' OR NEW.confirmed_at IS NOT NULL OR NEW.cancelled_at IS NOT NULL
       OR NEW.processed_at IS NOT NULL OR NEW.deletion_date < now() THEN
      RAISE EXCEPTION 'a deletion request starts PENDING, unconfirmed, with a future deletion date'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;

  IF (NEW.id, NEW.user_id, NEW.reason, NEW.requested_at, NEW.deletion_date, NEW.processed_at)
     IS DISTINCT FROM (OLD.id, OLD.user_id, OLD.reason, OLD.requested_at, OLD.deletion_date, OLD.processed_at)
     OR OLD.status <> 'PENDING' THEN
    RAISE EXCEPTION 'deletion request %: only a pending request is confirmed or cancelled by its owner', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.status = 'CANCELLED' THEN
    NEW.cancelled_at := now();
    NEW.confirmation_token_hash := NULL;
    NEW.confirmed_at := OLD.confirmed_at;
  ELSIF NEW.status = 'PENDING' AND NEW.cancelled_at IS NULL THEN
    IF NEW.confirmed_at IS DISTINCT FROM OLD.confirmed_at THEN
      IF OLD.confirmed_at IS NOT NULL OR NEW.confirmation_token_hash IS NOT NULL THEN
        RAISE EXCEPTION 'deletion request %: confirmed once, with its token consumed', OLD.id
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      NEW.confirmed_at := now();
    ELSIF OLD.confirmed_at IS NOT NULL
          AND (NEW.confirmation_token_hash, NEW.confirmation_expires_at)
              IS DISTINCT FROM (OLD.confirmation_token_hash, OLD.confirmation_expires_at) THEN
      RAISE EXCEPTION 'deletion request %: already confirmed', OLD.id
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  ELSE
    RAISE EXCEPTION 'deletion request %: the owner may only cancel (COMPLETED is the system''s)', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER deletion_requests_guard_write
  BEFORE INSERT OR UPDATE ON deletion_requests
  FOR EACH ROW EXECUTE FUNCTION deletion_requests_guard_write();

-- ════════════════════════ 3. consents: a record of what was agreed, when ════════════════════════
-- Given now (given_at := now(), not withdrawn), then only withdrawn (withdrawn_at := now(), once). The type,
-- version, owner and time never change; the app role cannot delete a consent (it is the proof).
REVOKE DELETE ON consents FROM huntzen_app;

CREATE OR REPLACE FUNCTION consents_guard_write() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.given_at := now();
    IF NEW.withdrawn_at IS NOT NULL THEN
      RAISE EXCEPTION 'a consent is given, not recorded as already withdrawn' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF (NEW.id, NEW.user_id, NEW.type, NEW.version, NEW.given_at, NEW.ip)
     IS DISTINCT FROM (OLD.id, OLD.user_id, OLD.type, OLD.version, OLD.given_at, OLD.ip)
     OR OLD.withdrawn_at IS NOT NULL OR NEW.withdrawn_at IS NULL THEN
    RAISE EXCEPTION 'consent %: may only be withdrawn, once', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  NEW.withdrawn_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER consents_guard_write
  BEFORE INSERT OR UPDATE ON consents
  FOR EACH ROW EXECUTE FUNCTION consents_guard_write();
