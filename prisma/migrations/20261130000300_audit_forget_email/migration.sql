-- RGPD erasure (SPEC §6.8): the audit trail is kept (security, at least a year) but no longer names an erased
-- user by e-mail. audit_logs.user_email copied the actor's e-mail into every row the user wrote; the user id
-- stays (it points at the anonymised account), the e-mail goes. IP address and user agent stay for the audit
-- retention period (security), then go with the row.
--
-- audit_logs stays append-only for everyone: the one change allowed is user_email → NULL on the rows of one
-- user, by the owner, inside audit_forget_user_email() (a transaction-local flag, as the retention purge).

CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND current_setting('huntzen.audit_retention_purge', true) = 'on'
     AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
     AND OLD.created_at < statement_timestamp() - interval '365 days' THEN
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE'
     AND current_setting('huntzen.audit_forget_email', true) = OLD.user_id
     AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
     AND NEW.user_email IS NULL
     AND (to_jsonb(NEW) - 'user_email') = (to_jsonb(OLD) - 'user_email') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE POLICY audit_logs_definer_forget_email ON audit_logs FOR UPDATE TO CURRENT_USER
  USING (user_id = current_setting('huntzen.audit_forget_email', true))
  WITH CHECK (user_id = current_setting('huntzen.audit_forget_email', true) AND user_email IS NULL);
-- the UPDATE reads the rows it changes: the owner may see exactly those, under the same flag
CREATE POLICY audit_logs_definer_forget_email_read ON audit_logs FOR SELECT TO CURRENT_USER
  USING (user_id = current_setting('huntzen.audit_forget_email', true));

CREATE OR REPLACE FUNCTION audit_forget_user_email(p_user_id uuid) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n integer;
BEGIN
  IF p_user_id IS NULL THEN
    RETURN 0;
  END IF;
  PERFORM set_config('huntzen.audit_forget_email', p_user_id::text, true);
  UPDATE audit_logs SET user_email = NULL WHERE user_id = p_user_id::text AND user_email IS NOT NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('huntzen.audit_forget_email', '', true);
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION audit_forget_user_email(uuid) FROM PUBLIC;
-- the erasure job runs as the system role
GRANT EXECUTE ON FUNCTION audit_forget_user_email(uuid) TO huntzen_system;
