-- Defence in depth for the users_self_update policy: a signed-in user may update its own row (last login,
-- 2FA, password) but never its own account state. Activation, e-mail verification and deletion are done
-- by HR/admins on other rows, or by the system role (no app context) in the public token flows.
CREATE OR REPLACE FUNCTION users_guard_own_state() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id = app_user_id()
     AND (NEW.is_active, NEW.email_verified, NEW.email_verified_at, NEW.deleted_at, NEW.email)
         IS DISTINCT FROM
         (OLD.is_active, OLD.email_verified, OLD.email_verified_at, OLD.deleted_at, OLD.email) THEN
    RAISE EXCEPTION 'a user may not change its own activation, verification, deletion or e-mail'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER users_guard_own_state
  BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION users_guard_own_state();
