-- AlterTable
ALTER TABLE "journal_entries" DROP COLUMN "tags",
ADD COLUMN     "tag_hashes" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "journal_entries_employee_id_created_at_idx" ON "journal_entries"("employee_id", "created_at");

-- CreateIndex
CREATE INDEX "journal_entries_tag_hashes_idx" ON "journal_entries" USING GIN ("tag_hashes");


-- Hand-written. The plaintext `tags` column is gone: tags are encrypted with the content (one data key per
-- entry) and `tag_hashes` holds HMAC-SHA256 hashes keyed per owner, for equality filters only.

-- The owner check was `employee_id = app.employee_id` alone: a context claiming any employee id (an HR
-- admin's or a practitioner's, or another employee's) would have opened that journal. Now the caller must
-- be an EMPLOYEE and the employee row must belong to the calling user. STABLE SQL, called as (SELECT ...):
-- evaluated once per statement. The employees read runs under the caller's own RLS (its own row).
CREATE OR REPLACE FUNCTION app_journal_owner_id() RETURNS uuid
  LANGUAGE sql STABLE AS $$
  SELECT e.id FROM employees e
  WHERE app_role() = 'EMPLOYEE' AND e.id = app_employee_id() AND e.user_id = app_user_id()
$$;

DROP POLICY journal_entries_owner_all ON journal_entries;
CREATE POLICY journal_entries_owner_all ON journal_entries FOR ALL
  USING (employee_id = (SELECT app_journal_owner_id()))
  WITH CHECK (employee_id = (SELECT app_journal_owner_id()));

-- The owner, id and creation time of an entry never change (the AAD binds the ciphertext to id and owner):
-- the app role may update only the content envelope, the mood, the tag hashes and updated_at.
REVOKE UPDATE ON journal_entries FROM huntzen_app;
GRANT UPDATE (encrypted_content, iv, auth_tag, encrypted_dek, dek_iv, dek_auth_tag, key_version, mood, tag_hashes, updated_at)
  ON journal_entries TO huntzen_app;
