-- The chat's hot path in one round trip (issue 7: relay p50 < 2 ms). Measured at SQL level as huntzen_app:
-- a message INSERT cost 1.1 ms to execute plus 0.5 ms to plan, and the TenantSql transaction around it
-- four round trips (BEGIN, context, INSERT, COMMIT), each one a chance to wait for a CPU on a busy machine.

-- 1. The participant checks of the messages and clinical-notes policies called two SQL functions that are
--    not inlinable (they read a table), so each was planned again at every call (about 0.35 ms each, twice
--    per INSERT … RETURNING: the insert check and the select policy). Same rule in plpgsql, whose plan is
--    cached per connection; a caller whose role does not match returns NULL before any read, as before
--    (the role test was the first condition). Semantics unchanged: the profile id of the context, only
--    when the role matches and the profile belongs to app.user_id; NULL otherwise.
CREATE OR REPLACE FUNCTION app_chat_employee_id() RETURNS uuid
  LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF app_role() IS DISTINCT FROM 'EMPLOYEE' THEN
    RETURN NULL;
  END IF;
  RETURN (SELECT e.id FROM employees e WHERE e.id = app_employee_id() AND e.user_id = app_user_id());
END
$$;

CREATE OR REPLACE FUNCTION app_note_author_id() RETURNS uuid
  LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF app_role() IS DISTINCT FROM 'PRACTITIONER' THEN
    RETURN NULL;
  END IF;
  RETURN (SELECT p.id FROM practitioners p WHERE p.id = app_practitioner_id() AND p.user_id = app_user_id());
END
$$;

-- 2. The caller's context, transaction-local: the one definition used by the api (caller-context.ts:
--    TenantPrisma, TenantSql, the CSV export cursor) and by chat_post_message below. Nothing survives the
--    transaction, so nothing reaches the next user of a pooled connection.
CREATE OR REPLACE FUNCTION app_set_caller(p_user_id text, p_role text, p_company_id text, p_employee_id text, p_practitioner_id text)
  RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM set_config('app.user_id', p_user_id, true), set_config('app.role', p_role, true),
          set_config('app.company_id', p_company_id, true), set_config('app.employee_id', p_employee_id, true),
          set_config('app.practitioner_id', p_practitioner_id, true);
END
$$;

-- 3. One message in one statement: the caller's context, then the INSERT under the caller's own rights
--    (SECURITY INVOKER: the messages policies and messages_guard_write decide exactly as for any other
--    insert — sender, participation, open consultation, database clock), returning the database's creation
--    time. Called in autocommit, its implicit transaction ends with the statement, and the context with it.
--    The INSERT is planned once per connection (plan_cache_mode: plpgsql would otherwise re-plan it for
--    every call, 0.45 ms, because the custom plan looks no dearer than the generic one; the policies read
--    the caller's context at execution, so the generic plan is the same for every caller).
CREATE OR REPLACE FUNCTION chat_post_message(
    p_user_id text, p_role text, p_company_id text, p_employee_id text, p_practitioner_id text,
    p_id uuid, p_consultation_id uuid, p_sender_id uuid, p_sender_role "Role",
    p_encrypted_content text, p_iv text, p_auth_tag text, p_encrypted_dek text, p_dek_iv text, p_dek_auth_tag text,
    p_key_version text, p_message_type "MessageType",
    p_attachment_url text, p_attachment_name text, p_attachment_type text, p_attachment_size integer)
  RETURNS timestamptz LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  stamped timestamptz;
BEGIN
  PERFORM app_set_caller(p_user_id, p_role, p_company_id, p_employee_id, p_practitioner_id);
  INSERT INTO messages (id, consultation_id, sender_id, sender_role, encrypted_content, iv, auth_tag, encrypted_dek, dek_iv,
                        dek_auth_tag, key_version, message_type, attachment_url, attachment_name, attachment_type, attachment_size)
  VALUES (p_id, p_consultation_id, p_sender_id, p_sender_role, p_encrypted_content, p_iv, p_auth_tag, p_encrypted_dek, p_dek_iv,
          p_dek_auth_tag, p_key_version, p_message_type, p_attachment_url, p_attachment_name, p_attachment_type, p_attachment_size)
  RETURNING created_at INTO stamped;
  RETURN stamped;
END
$$;

REVOKE ALL ON FUNCTION app_set_caller(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION chat_post_message(text, text, text, text, text, uuid, uuid, uuid, "Role", text, text, text, text, text, text, text,
                                         "MessageType", text, text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_set_caller(text, text, text, text, text) TO huntzen_app;
GRANT EXECUTE ON FUNCTION chat_post_message(text, text, text, text, text, uuid, uuid, uuid, "Role", text, text, text, text, text, text, text,
                                            "MessageType", text, text, text, integer) TO huntzen_app;
