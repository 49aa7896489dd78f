-- Issue 10 items 4 and 5: invitations only for accounts that were never activated, and SECURITY DEFINER
-- functions instead of the RLS-bypassing system client on request paths.

-- AlterTable (outbox rows remember their writer; the database fills it, the app never sends it)
ALTER TABLE "outbox_messages" ADD COLUMN     "created_by" UUID DEFAULT app_user_id();

-- ════════════════════════ 1. Invitations: never for an account that was activated ════════════════════════
-- An invitation token sets the password of its account: minted for an active (or once active) account it
-- is an account takeover. The target must still be as the invitation created it: inactive, e-mail never
-- verified, no password chosen by its owner (NO_PASSWORD_HASH '!', replaced only by acceptance or a reset),
-- never signed in, not deleted.
CREATE OR REPLACE FUNCTION user_awaits_invitation(p_user_id uuid) RETURNS boolean
  LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM users u
                 WHERE u.id = p_user_id AND NOT u.is_active AND NOT u.email_verified
                   AND u.email_verified_at IS NULL AND u.password_hash = '!'
                   AND u.password_changed_at IS NULL AND u.last_login_at IS NULL AND u.deleted_at IS NULL)
$$;

DROP POLICY user_tokens_rh_insert ON user_tokens;
CREATE POLICY user_tokens_rh_insert ON user_tokens FOR INSERT
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND type = 'INVITATION'
              AND company_id = (SELECT app_company_id())
              AND created_by = (SELECT app_user_id())
              AND EXISTS (SELECT 1 FROM users u
                          WHERE u.id = user_tokens.user_id AND u.company_id = (SELECT app_company_id())
                            AND u.role = 'EMPLOYEE')
              AND user_awaits_invitation(user_id));
DROP POLICY user_tokens_platform_insert ON user_tokens;
CREATE POLICY user_tokens_platform_insert ON user_tokens FOR INSERT
  WITH CHECK ((SELECT app_role()) IN ('ADMIN_HUNTZEN', 'SUPER_ADMIN') AND type = 'INVITATION'
              AND created_by = (SELECT app_user_id())
              AND EXISTS (SELECT 1 FROM users u
                          WHERE u.id = user_tokens.user_id AND u.role IN ('ADMIN_RH', 'PRACTITIONER'))
              AND user_awaits_invitation(user_id));

-- HR withdraws the unused invitations of its company's employees (resend replaces the link; deactivation
-- kills it). Nothing else: used tokens and other token types stay out of reach.
CREATE POLICY user_tokens_rh_delete ON user_tokens FOR DELETE
  USING ((SELECT app_role()) = 'ADMIN_RH' AND type = 'INVITATION' AND used_at IS NULL
         AND company_id = (SELECT app_company_id())
         AND EXISTS (SELECT 1 FROM users u
                     WHERE u.id = user_tokens.user_id AND u.company_id = (SELECT app_company_id())
                       AND u.role = 'EMPLOYEE'));

-- ════════════════════════ 2. SECURITY DEFINER functions for request paths ════════════════════════
-- Each function runs as this owner, whom FORCE RLS binds too. Each one opens the table it reads through
-- an owner-only policy gated by app.definer, which the function sets around its query (transaction-local,
-- restored before it returns; an error aborts the transaction or savepoint, which discards it too). A value
-- set by the app opens nothing to the app: those policies are TO the owner. The functions filter explicitly
-- and never rely on those policies to confine what they return; the caller's context (app.*) is read as
-- usual, so no context means no rows. (A function-level SET app.definer would be neater, but PostgreSQL
-- reserves SET clauses on unregistered custom settings to superusers.)

-- Busy time of practitioners, for slot computation: merged [start, end) ranges only — no consultation id,
-- no employee, no status, not even how many consultations make a range. SCHEDULED, CONFIRMED and
-- IN_PROGRESS hold their time (SPEC §6.1-4); CANCELLED / NO_SHOW free it. Only practitioners the caller
-- may see under RLS (the join on practitioners is filtered by the caller's own policies; app.stats_refresh
-- is cleared so that the refresh policy cannot widen that).
CREATE POLICY consultations_definer_busy ON consultations FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'busy_ranges');
CREATE OR REPLACE FUNCTION practitioner_busy_ranges(p_practitioner_ids uuid[], p_from timestamptz, p_to timestamptz)
  RETURNS TABLE (practitioner_id uuid, starts_at timestamptz, ends_at timestamptz)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
  prev_refresh text := COALESCE(current_setting('app.stats_refresh', true), '');
BEGIN
  PERFORM set_config('app.definer', 'busy_ranges', true), set_config('app.stats_refresh', '', true);
  RETURN QUERY
    SELECT b.practitioner_id, lower(b.r), upper(b.r)
    FROM (SELECT c.practitioner_id, unnest(range_agg(tstzrange(c.scheduled_at, c.blocked_until, '[)'))) AS r
          FROM consultations c
          JOIN practitioners p ON p.id = c.practitioner_id
          WHERE app_user_id() IS NOT NULL
            AND c.practitioner_id = ANY (p_practitioner_ids)
            AND c.status IN ('SCHEDULED', 'CONFIRMED', 'IN_PROGRESS')
            AND c.scheduled_at < p_to AND c.blocked_until > p_from
          GROUP BY c.practitioner_id) b;
  PERFORM set_config('app.definer', prev_definer, true), set_config('app.stats_refresh', prev_refresh, true);
END
$$;

-- HR counters (SPEC §1.2-4): per employee of the caller's own company, COMPLETED billable consultations
-- and their total minutes in [p_from, p_to). ADMIN_RH only (checked here); anyone else gets nothing.
CREATE POLICY consultations_definer_usage ON consultations FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'employee_usage');
CREATE OR REPLACE FUNCTION employee_usage_counts(p_employee_ids uuid[], p_from timestamptz, p_to timestamptz)
  RETURNS TABLE (employee_id uuid, consultation_count integer, total_duration_minutes integer)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  IF app_role() IS DISTINCT FROM 'ADMIN_RH' OR app_company_id() IS NULL THEN
    RETURN;
  END IF;
  PERFORM set_config('app.definer', 'employee_usage', true);
  RETURN QUERY
    SELECT c.employee_id, count(*)::integer, COALESCE(round(sum(c.actual_duration_seconds) / 60.0), 0)::integer
    FROM consultations c
    WHERE c.company_id = app_company_id()
      AND c.employee_id = ANY (p_employee_ids)
      AND c.status = 'COMPLETED' AND c.is_billable
      AND c.scheduled_at >= p_from AND c.scheduled_at < p_to
    GROUP BY c.employee_id;
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

-- Outbox delivery right after the request's commit: the writer claims, by id, the undelivered rows it
-- wrote itself (created_by = the caller), then settles each one. Nobody reads another caller's messages,
-- and a leaked id is useless to anyone else. The worker's sweep stays on the system role.
DROP POLICY outbox_messages_insert ON outbox_messages;
CREATE POLICY outbox_messages_insert ON outbox_messages FOR INSERT
  WITH CHECK ((SELECT app_user_id()) IS NOT NULL AND created_by = (SELECT app_user_id()));
CREATE POLICY outbox_messages_definer ON outbox_messages FOR ALL TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'outbox')
  WITH CHECK (current_setting('app.definer', true) = 'outbox');
CREATE OR REPLACE FUNCTION outbox_claim(p_ids uuid[])
  RETURNS TABLE (id uuid, topic text, payload jsonb)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN;
  END IF;
  PERFORM set_config('app.definer', 'outbox', true);
  RETURN QUERY
    SELECT o.id, o.topic, o.payload FROM outbox_messages o
    WHERE o.created_by = app_user_id() AND o.id = ANY (p_ids) AND o.delivered_at IS NULL
    ORDER BY o.created_at, o.id;
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;
-- p_error NULL: delivered. Otherwise one more failed attempt, for the sweep to retry. True if settled.
CREATE OR REPLACE FUNCTION outbox_settle(p_id uuid, p_error text) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
  settled boolean;
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN false;
  END IF;
  PERFORM set_config('app.definer', 'outbox', true);
  UPDATE outbox_messages o
  SET attempts = o.attempts + 1,
      delivered_at = CASE WHEN p_error IS NULL THEN clock_timestamp() ELSE o.delivered_at END,
      last_error = COALESCE(left(p_error, 200), o.last_error)
  WHERE o.created_by = app_user_id() AND o.id = p_id AND o.delivered_at IS NULL;
  settled := FOUND;
  PERFORM set_config('app.definer', prev_definer, true);
  RETURN settled;
END
$$;

REVOKE ALL ON FUNCTION practitioner_busy_ranges(uuid[], timestamptz, timestamptz),
                       employee_usage_counts(uuid[], timestamptz, timestamptz),
                       outbox_claim(uuid[]), outbox_settle(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION practitioner_busy_ranges(uuid[], timestamptz, timestamptz),
                          employee_usage_counts(uuid[], timestamptz, timestamptz),
                          outbox_claim(uuid[]), outbox_settle(uuid, text) TO huntzen_app;
