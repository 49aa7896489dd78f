-- Chat (SPEC §4.8, §5.2, §6.5, I4/I5): tightens the messages rules of 20251126000100_rls_roles_triggers and
-- 20261129000100_write_guards.

-- The caller's employee id only when the whole context agrees (role EMPLOYEE, and the profile belongs to
-- app.user_id): an admin or HR context carrying an employee id gets NULL and matches no message. The
-- practitioner side reuses app_note_author_id() (same rule for practitioners).
CREATE OR REPLACE FUNCTION app_chat_employee_id() RETURNS uuid
  LANGUAGE sql STABLE AS $$
  SELECT e.id FROM employees e
  WHERE (SELECT app_role()) = 'EMPLOYEE'
    AND e.id = (SELECT app_employee_id())
    AND e.user_id = (SELECT app_user_id())
$$;

DROP POLICY messages_participant_select ON messages;
DROP POLICY messages_participant_insert ON messages;
DROP POLICY messages_participant_update ON messages;

CREATE POLICY messages_participant_select ON messages FOR SELECT
  USING (EXISTS (SELECT 1 FROM consultations c
                 WHERE c.id = messages.consultation_id
                   AND (c.employee_id = (SELECT app_chat_employee_id())
                        OR c.practitioner_id = (SELECT app_note_author_id()))));
-- A message is sent by the caller, into one of its consultations that is not closed (CANCELLED, NO_SHOW:
-- read-only, SPEC §6.5). The follow-up window after COMPLETED is configuration (CHAT_FOLLOW_UP_DAYS),
-- checked by the service.
CREATE POLICY messages_participant_insert ON messages FOR INSERT
  WITH CHECK (sender_id = (SELECT app_user_id())
              AND EXISTS (SELECT 1 FROM consultations c
                          WHERE c.id = messages.consultation_id
                            AND c.status NOT IN ('CANCELLED', 'NO_SHOW')
                            AND (c.employee_id = (SELECT app_chat_employee_id())
                                 OR c.practitioner_id = (SELECT app_note_author_id()))));
CREATE POLICY messages_participant_update ON messages FOR UPDATE
  USING (EXISTS (SELECT 1 FROM consultations c
                 WHERE c.id = messages.consultation_id
                   AND (c.employee_id = (SELECT app_chat_employee_id())
                        OR c.practitioner_id = (SELECT app_note_author_id()))))
  WITH CHECK (EXISTS (SELECT 1 FROM consultations c
                      WHERE c.id = messages.consultation_id
                        AND (c.employee_id = (SELECT app_chat_employee_id())
                             OR c.practitioner_id = (SELECT app_note_author_id()))));

-- No hard DELETE by the api (I5 is a soft delete): an error rather than a silent zero rows.
REVOKE DELETE ON messages FROM huntzen_app;

-- On top of 20261129000100: an app insert is stamped with the database clock and carries no edit or
-- deletion stamps; a deleted message is final (no undelete, no edit); a read receipt cannot be withdrawn
-- and always carries its time.
CREATE OR REPLACE FUNCTION messages_guard_write() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  refused text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF app_user_id() IS NOT NULL THEN
      IF NEW.sender_role::text IS DISTINCT FROM app_role() OR NEW.is_read OR NEW.read_at IS NOT NULL
         OR NEW.is_edited OR NEW.edited_at IS NOT NULL OR NEW.is_deleted OR NEW.deleted_at IS NOT NULL THEN
        RAISE EXCEPTION 'a new message is sent with the caller''s role, unread, unedited'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      NEW.created_at := date_trunc('milliseconds', clock_timestamp());
    END IF;
    RETURN NEW;
  END IF;

  IF (NEW.consultation_id, NEW.sender_id, NEW.sender_role, NEW.created_at)
     IS DISTINCT FROM (OLD.consultation_id, OLD.sender_id, OLD.sender_role, OLD.created_at) THEN
    RAISE EXCEPTION 'message %: consultation, sender and creation time cannot be changed', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF app_user_id() IS NULL THEN
    RETURN NEW;
  END IF;

  IF OLD.is_deleted AND to_jsonb(NEW) - 'is_read' - 'read_at' IS DISTINCT FROM to_jsonb(OLD) - 'is_read' - 'read_at' THEN
    RAISE EXCEPTION 'message %: a deleted message cannot be changed', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (OLD.is_read AND (NOT NEW.is_read OR NEW.read_at IS DISTINCT FROM OLD.read_at))
     OR (NEW.is_read AND NEW.read_at IS NULL) OR (NOT NEW.is_read AND NEW.read_at IS NOT NULL) THEN
    RAISE EXCEPTION 'message %: a read receipt is set once, with its time', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;

  SELECT array_agg(n.key ORDER BY n.key) INTO refused
    FROM jsonb_each(to_jsonb(NEW)) AS n
   WHERE n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key
     AND NOT n.key = ANY (CASE WHEN OLD.sender_id = app_user_id()
                               THEN ARRAY['encrypted_content', 'iv', 'auth_tag', 'encrypted_dek', 'dek_iv',
                                          'dek_auth_tag', 'key_version', 'message_type', 'attachment_url',
                                          'attachment_name', 'attachment_type', 'attachment_size',
                                          'is_edited', 'edited_at', 'is_deleted', 'deleted_at']
                               ELSE ARRAY['is_read', 'read_at'] END);
  IF refused IS NOT NULL THEN
    RAISE EXCEPTION 'message %: % may not be changed by this participant', OLD.id, array_to_string(refused, ', ')
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

-- Threads (CH5) and history page backwards by (created_at, id) within a consultation.
CREATE INDEX IF NOT EXISTS messages_consultation_id_created_at_id_idx ON messages (consultation_id, created_at DESC, id DESC);
