-- Clinical notes (SPEC §4.9, §6.5, §11 S18/S19): the authoring practitioner only, soft delete with legal
-- retention. Tightens the policies of 20251126000100_rls_roles_triggers.

-- The caller's practitioner id only when the whole context agrees (role PRACTITIONER, and the practitioner
-- profile belongs to app.user_id): an admin, HR or employee context carrying a practitioner id, or a
-- practitioner id paired with another user, gets NULL and so matches no note. STABLE SQL, used as
-- (SELECT fn()) so it runs once per query (practitioners_self_select lets the caller read its own row).
CREATE OR REPLACE FUNCTION app_note_author_id() RETURNS uuid
  LANGUAGE sql STABLE AS $$
  SELECT p.id FROM practitioners p
  WHERE (SELECT app_role()) = 'PRACTITIONER'
    AND p.id = (SELECT app_practitioner_id())
    AND p.user_id = (SELECT app_user_id())
$$;

DROP POLICY clinical_notes_author_select ON clinical_notes;
DROP POLICY clinical_notes_author_insert ON clinical_notes;
DROP POLICY clinical_notes_author_update ON clinical_notes;

-- A soft-deleted note is hidden from its author. The transaction that deletes it may still see it:
-- PostgreSQL checks the updated row against the SELECT policy too, and the trigger below stamps
-- deleted_at with that transaction's own time, which no later transaction has.
CREATE POLICY clinical_notes_author_select ON clinical_notes FOR SELECT
  USING (practitioner_id = (SELECT app_note_author_id())
         AND (deleted_at IS NULL OR deleted_at = date_trunc('milliseconds', now())));
-- Only on the author's own consultation, once it has started (IN_PROGRESS or COMPLETED), never pre-deleted.
CREATE POLICY clinical_notes_author_insert ON clinical_notes FOR INSERT
  WITH CHECK (practitioner_id = (SELECT app_note_author_id())
              AND deleted_at IS NULL
              AND EXISTS (SELECT 1 FROM consultations c
                          WHERE c.id = clinical_notes.consultation_id
                            AND c.practitioner_id = clinical_notes.practitioner_id
                            AND c.status IN ('IN_PROGRESS', 'COMPLETED')));
-- A deleted note can no longer be edited or undeleted.
CREATE POLICY clinical_notes_author_update ON clinical_notes FOR UPDATE
  USING (practitioner_id = (SELECT app_note_author_id()) AND deleted_at IS NULL)
  WITH CHECK (practitioner_id = (SELECT app_note_author_id()));

-- No hard DELETE by the api (20-year retention): an error rather than a silent zero rows. Only the
-- system role's retention purge deletes.
REVOKE DELETE ON clinical_notes FROM huntzen_app;

-- For every role, system and owner included: the author, consultation and creation date never change (a
-- re-pointed note would leak into another consultation or author); a deletion is stamped with the
-- database's clock (a back-dated deleted_at would let the purge destroy a note before its legal period)
-- and can be neither undone nor moved.
CREATE OR REPLACE FUNCTION clinical_notes_guard() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.consultation_id, NEW.practitioner_id, NEW.created_at)
     IS DISTINCT FROM (OLD.consultation_id, OLD.practitioner_id, OLD.created_at) THEN
    RAISE EXCEPTION 'clinical note %: author, consultation and creation date cannot be changed', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.deleted_at IS NOT NULL THEN
    IF NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
      RAISE EXCEPTION 'clinical note %: a deletion cannot be undone or changed', OLD.id
        USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW.deleted_at IS NOT NULL THEN
    NEW.deleted_at := date_trunc('milliseconds', now());
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER clinical_notes_guard
  BEFORE UPDATE ON clinical_notes
  FOR EACH ROW EXECUTE FUNCTION clinical_notes_guard();

-- The daily retention purge looks for deleted notes only.
CREATE INDEX clinical_notes_deleted_at_idx ON clinical_notes (deleted_at) WHERE deleted_at IS NOT NULL;
