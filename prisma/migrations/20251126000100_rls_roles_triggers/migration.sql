-- HuntZen Care: database roles, grants, Row Level Security, triggers, constraints and report views.
-- Hand-written (Prisma cannot express any of it). ARCHITECTURE §4, SPEC §3.4, §3.5, §3.7, §7.6.
--
-- Model: the api connects as huntzen_app (no superuser, no BYPASSRLS, not owner) and sets, per
-- transaction, app.user_id / app.role / app.company_id / app.employee_id / app.practitioner_id with
-- set_config(..., true). Every table has RLS ENABLED and FORCED (the owner is subject to it too), so no
-- context means zero rows and rejected writes. huntzen_system (BYPASSRLS) is the reviewed "sudo" client
-- for work without a tenant (login lookup, token flows, workers, report refresh).

-- ════════════════════════════════════ 1. Roles ════════════════════════════════════
-- Roles are cluster-wide and the shadow database replays this file: create only when missing. The
-- migrating role (database owner, not a superuser) normally cannot create them; provisioning does it
-- beforehand as superuser, and here we stop with instructions rather than continue half-secured.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'huntzen_app') THEN
    BEGIN
      CREATE ROLE huntzen_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'role huntzen_app is missing and role % may not create it', current_user
        USING HINT = 'As a superuser run: CREATE ROLE huntzen_app LOGIN PASSWORD ''<secret>'' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE; then re-run the migrations.';
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'huntzen_system') THEN
    BEGIN
      CREATE ROLE huntzen_system LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'role huntzen_system is missing and role % may not create it', current_user
        USING HINT = 'As a superuser run: CREATE ROLE huntzen_system LOGIN PASSWORD ''<secret>'' NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE; then re-run the migrations.';
    END;
  END IF;

  -- The whole design rests on the app role being unable to skip RLS: refuse a misconfigured role.
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'huntzen_app' AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role huntzen_app must be NOSUPERUSER NOBYPASSRLS'
      USING HINT = 'ALTER ROLE huntzen_app NOSUPERUSER NOBYPASSRLS;';
  END IF;
  -- Membership in the owner role would let the app SET ROLE to the owner and disable RLS.
  IF pg_has_role('huntzen_app', current_user, 'MEMBER') THEN
    RAISE EXCEPTION 'role huntzen_app must not be a member of the schema owner %', current_user;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'huntzen_system' AND (rolbypassrls OR rolsuper)) THEN
    RAISE WARNING 'role huntzen_system has no BYPASSRLS: system work (login, workers, seed) will see no rows';
  END IF;
END
$$;

-- ════════════════════════════════════ 2. Privileges ════════════════════════════════════
-- Nobody but the owner creates objects in public (already the PG15 default; explicit for older clusters).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO huntzen_app, huntzen_system;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO huntzen_app, huntzen_system;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO huntzen_app, huntzen_system;
-- Append-only for the app: logs and the consultation timeline are never rewritten by a request.
-- (audit_logs is additionally protected by a trigger for every role, see §5.)
REVOKE UPDATE, DELETE ON audit_logs, security_events, consultation_events FROM huntzen_app;

-- Tables added by later migrations (created by this same owner) get the same grants; each new table
-- must still ENABLE + FORCE RLS (test/rls checks every table of the schema).
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO huntzen_app, huntzen_system;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO huntzen_app, huntzen_system;

-- Migration history belongs to the owner alone.
DO $$
BEGIN
  IF to_regclass('public._prisma_migrations') IS NOT NULL THEN
    REVOKE ALL ON public._prisma_migrations FROM huntzen_app, huntzen_system;
  END IF;
END
$$;

-- ════════════════════════════════════ 3. Context helpers ════════════════════════════════════
-- STABLE SQL (inlinable) functions read the per-transaction settings. Policies call them as
-- (SELECT fn()) so the planner evaluates them once per query (an InitPlan), not per row: a volatile
-- plpgsql call in a policy was measured 14,000x slower. NULLIF: after a pooled connection has used
-- set_config(..., true), the setting reads '' (not NULL) — ''::uuid would raise instead of matching nothing.
CREATE OR REPLACE FUNCTION app_user_id() RETURNS uuid
  LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_role() RETURNS text
  LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.role', true), '') $$;
CREATE OR REPLACE FUNCTION app_company_id() RETURNS uuid
  LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.company_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_employee_id() RETURNS uuid
  LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.employee_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_practitioner_id() RETURNS uuid
  LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.practitioner_id', true), '')::uuid $$;

-- ════════════════════════════════════ 4. Row Level Security ════════════════════════════════════
-- Every table holds tenant, personal, medical or operational data: ENABLE + FORCE on all of them.
-- Permissive policies are OR-ed; a table/command without a matching policy yields zero rows / an error.
-- Reminder for app code: INSERT/UPDATE ... RETURNING (Prisma create/update) also requires the new row to
-- pass a SELECT policy. Where the writer may not read the row back (audit_logs, security_events,
-- notifications for another user, ADMIN_HUNTZEN invitation tokens) use createMany (no RETURNING).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'users', 'refresh_tokens', 'user_tokens', 'two_factor_backup_codes', 'consents', 'deletion_requests',
    'notification_preferences', 'notifications', 'security_events', 'companies', 'employees',
    'practitioners', 'practitioner_documents', 'practitioner_reviews', 'availabilities', 'consultations',
    'consultation_events', 'messages', 'clinical_notes', 'journal_entries', 'articles', 'news',
    'audit_logs', 'files', 'email_queue', 'backup_records', 'support_tickets'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END
$$;

-- ── users ──
-- Own row; ADMIN_RH sees its company's users; platform admins see everyone. Writes never change one's
-- own role or company (WITH CHECK pins them to the verified token's values).
CREATE POLICY users_self_select ON users FOR SELECT
  USING (id = (SELECT app_user_id()));
CREATE POLICY users_rh_select ON users FOR SELECT
  USING ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()));
CREATE POLICY users_platform_select ON users FOR SELECT
  USING ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'));
CREATE POLICY users_self_update ON users FOR UPDATE
  USING (id = (SELECT app_user_id()))
  WITH CHECK (id = (SELECT app_user_id())
              AND role::text = (SELECT app_role())
              AND company_id IS NOT DISTINCT FROM (SELECT app_company_id()));
-- HR creates and (de)activates the EMPLOYEE accounts of its own company (SPEC §2.3 #13, #15).
CREATE POLICY users_rh_insert ON users FOR INSERT
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()) AND role = 'EMPLOYEE');
CREATE POLICY users_rh_update ON users FOR UPDATE
  USING ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()) AND role = 'EMPLOYEE')
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()) AND role = 'EMPLOYEE');
-- ADMIN_HUNTZEN creates/updates company HR admins and practitioners (#9, #17); SUPER_ADMIN anyone.
CREATE POLICY users_platform_insert ON users FOR INSERT
  WITH CHECK ((SELECT app_role()) = 'SUPER_ADMIN'
              OR ((SELECT app_role()) = 'ADMIN_HUNTZEN' AND role IN ('ADMIN_RH', 'PRACTITIONER')));
CREATE POLICY users_platform_update ON users FOR UPDATE
  USING ((SELECT app_role()) = 'SUPER_ADMIN'
         OR ((SELECT app_role()) = 'ADMIN_HUNTZEN' AND role IN ('ADMIN_RH', 'PRACTITIONER')))
  WITH CHECK ((SELECT app_role()) = 'SUPER_ADMIN'
              OR ((SELECT app_role()) = 'ADMIN_HUNTZEN' AND role IN ('ADMIN_RH', 'PRACTITIONER')));
-- No DELETE policy: accounts are soft-deleted/anonymised by the system role (SPEC §6.8).

-- ── per-user private tables: the owning user only, all commands ──
CREATE POLICY refresh_tokens_own ON refresh_tokens FOR ALL
  USING (user_id = (SELECT app_user_id())) WITH CHECK (user_id = (SELECT app_user_id()));
CREATE POLICY two_factor_backup_codes_own ON two_factor_backup_codes FOR ALL
  USING (user_id = (SELECT app_user_id())) WITH CHECK (user_id = (SELECT app_user_id()));
CREATE POLICY consents_own ON consents FOR ALL
  USING (user_id = (SELECT app_user_id())) WITH CHECK (user_id = (SELECT app_user_id()));
CREATE POLICY deletion_requests_own ON deletion_requests FOR ALL
  USING (user_id = (SELECT app_user_id())) WITH CHECK (user_id = (SELECT app_user_id()));
CREATE POLICY notification_preferences_own ON notification_preferences FOR ALL
  USING (user_id = (SELECT app_user_id())) WITH CHECK (user_id = (SELECT app_user_id()));

-- ── user_tokens ──
-- Public flows (verification, reset, invitation acceptance) run on the system role. In app context only
-- invitations: HR for users of its own company, HuntZen admins for HR admins and practitioners. The
-- target-user check stops an inviter from minting a set-password token for someone else's account.
CREATE POLICY user_tokens_rh_select ON user_tokens FOR SELECT
  USING ((SELECT app_role()) = 'ADMIN_RH' AND type = 'INVITATION' AND company_id = (SELECT app_company_id()));
CREATE POLICY user_tokens_rh_insert ON user_tokens FOR INSERT
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND type = 'INVITATION'
              AND company_id = (SELECT app_company_id())
              AND created_by = (SELECT app_user_id())
              AND EXISTS (SELECT 1 FROM users u
                          WHERE u.id = user_tokens.user_id AND u.company_id = (SELECT app_company_id())
                            AND u.role = 'EMPLOYEE'));
CREATE POLICY user_tokens_platform_insert ON user_tokens FOR INSERT
  WITH CHECK ((SELECT app_role()) IN ('ADMIN_HUNTZEN', 'SUPER_ADMIN') AND type = 'INVITATION'
              AND created_by = (SELECT app_user_id())
              AND EXISTS (SELECT 1 FROM users u
                          WHERE u.id = user_tokens.user_id AND u.role IN ('ADMIN_RH', 'PRACTITIONER')));

-- ── notifications ──
-- Read/mark/delete own; any authenticated caller may notify someone (the other party of an action).
CREATE POLICY notifications_own_select ON notifications FOR SELECT
  USING (user_id = (SELECT app_user_id()));
CREATE POLICY notifications_own_update ON notifications FOR UPDATE
  USING (user_id = (SELECT app_user_id())) WITH CHECK (user_id = (SELECT app_user_id()));
CREATE POLICY notifications_own_delete ON notifications FOR DELETE
  USING (user_id = (SELECT app_user_id()));
CREATE POLICY notifications_insert ON notifications FOR INSERT
  WITH CHECK ((SELECT app_user_id()) IS NOT NULL);

-- ── companies ──
CREATE POLICY companies_platform_all ON companies FOR ALL
  USING ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'))
  WITH CHECK ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'));
CREATE POLICY companies_member_select ON companies FOR SELECT
  USING ((SELECT app_role()) IN ('ADMIN_RH', 'EMPLOYEE') AND id = (SELECT app_company_id()));
CREATE POLICY companies_rh_update ON companies FOR UPDATE
  USING ((SELECT app_role()) = 'ADMIN_RH' AND id = (SELECT app_company_id()))
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND id = (SELECT app_company_id()));
-- A practitioner may read the companies it has consultations with (company name in its own counters).
CREATE POLICY companies_practitioner_select ON companies FOR SELECT
  USING ((SELECT app_role()) = 'PRACTITIONER'
         AND EXISTS (SELECT 1 FROM consultations c
                     WHERE c.company_id = companies.id AND c.practitioner_id = (SELECT app_practitioner_id())));

-- ── employees ──
-- Platform admins get no direct access (aggregates only, through the report views).
CREATE POLICY employees_self_select ON employees FOR SELECT
  USING (id = (SELECT app_employee_id()));
CREATE POLICY employees_self_update ON employees FOR UPDATE
  USING (id = (SELECT app_employee_id()))
  WITH CHECK (id = (SELECT app_employee_id()) AND company_id = (SELECT app_company_id()));
CREATE POLICY employees_rh_all ON employees FOR ALL
  USING ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()))
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()));
-- A practitioner sees an employee only through a consultation linking them (HR columns are filtered by
-- the app's DTOs: SPEC §3.2.4).
CREATE POLICY employees_practitioner_select ON employees FOR SELECT
  USING ((SELECT app_role()) = 'PRACTITIONER'
         AND EXISTS (SELECT 1 FROM consultations c
                     WHERE c.employee_id = employees.id AND c.practitioner_id = (SELECT app_practitioner_id())));

-- ── practitioners ──
CREATE POLICY practitioners_listed_select ON practitioners FOR SELECT
  USING ((SELECT app_user_id()) IS NOT NULL AND is_validated AND is_active);
CREATE POLICY practitioners_self_select ON practitioners FOR SELECT
  USING (id = (SELECT app_practitioner_id()));
CREATE POLICY practitioners_platform_select ON practitioners FOR SELECT
  USING ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'));
-- An employee keeps seeing the practitioner of its own consultations even after delisting (history).
CREATE POLICY practitioners_participant_select ON practitioners FOR SELECT
  USING (EXISTS (SELECT 1 FROM consultations c
                 WHERE c.practitioner_id = practitioners.id AND c.employee_id = (SELECT app_employee_id())));
CREATE POLICY practitioners_update ON practitioners FOR UPDATE
  USING (id = (SELECT app_practitioner_id()) OR (SELECT app_role()) = 'ADMIN_HUNTZEN')
  WITH CHECK (id = (SELECT app_practitioner_id()) OR (SELECT app_role()) = 'ADMIN_HUNTZEN');
CREATE POLICY practitioners_platform_insert ON practitioners FOR INSERT
  WITH CHECK ((SELECT app_role()) IN ('ADMIN_HUNTZEN', 'SUPER_ADMIN'));

-- ── practitioner_documents ──
-- The owner manages its pending documents; only ADMIN_HUNTZEN reviews (status, reviewer).
CREATE POLICY practitioner_documents_owner_all ON practitioner_documents FOR ALL
  USING (practitioner_id = (SELECT app_practitioner_id()))
  WITH CHECK (practitioner_id = (SELECT app_practitioner_id())
              AND status = 'PENDING' AND reviewed_by IS NULL AND reviewed_at IS NULL);
CREATE POLICY practitioner_documents_admin_all ON practitioner_documents FOR ALL
  USING ((SELECT app_role()) = 'ADMIN_HUNTZEN')
  WITH CHECK ((SELECT app_role()) = 'ADMIN_HUNTZEN');

-- ── practitioner_reviews ──
-- Published reviews: employees, practitioners, HuntZen admins — never HR (it would reveal who consults whom).
CREATE POLICY practitioner_reviews_published_select ON practitioner_reviews FOR SELECT
  USING (is_published AND (SELECT app_role()) IN ('EMPLOYEE', 'PRACTITIONER', 'ADMIN_HUNTZEN'));
CREATE POLICY practitioner_reviews_author_select ON practitioner_reviews FOR SELECT
  USING (employee_id = (SELECT app_employee_id()));
CREATE POLICY practitioner_reviews_admin_all ON practitioner_reviews FOR ALL
  USING ((SELECT app_role()) = 'ADMIN_HUNTZEN')
  WITH CHECK ((SELECT app_role()) = 'ADMIN_HUNTZEN');
-- The author reviews its own COMPLETED consultation with that practitioner; moderation stays with admins.
CREATE POLICY practitioner_reviews_author_insert ON practitioner_reviews FOR INSERT
  WITH CHECK (employee_id = (SELECT app_employee_id())
              AND NOT is_published AND moderated_at IS NULL AND moderated_by IS NULL
              AND EXISTS (SELECT 1 FROM consultations c
                          WHERE c.id = practitioner_reviews.consultation_id
                            AND c.employee_id = (SELECT app_employee_id())
                            AND c.practitioner_id = practitioner_reviews.practitioner_id
                            AND c.status = 'COMPLETED'));

-- ── availabilities ──
CREATE POLICY availabilities_select ON availabilities FOR SELECT
  USING ((SELECT app_user_id()) IS NOT NULL);
CREATE POLICY availabilities_owner_write ON availabilities FOR ALL
  USING (practitioner_id = (SELECT app_practitioner_id()))
  WITH CHECK (practitioner_id = (SELECT app_practitioner_id()));

-- ── consultations ──
-- The two participants only. HR and platform admins select NOTHING (counters come from the views).
CREATE POLICY consultations_participant_select ON consultations FOR SELECT
  USING (employee_id = (SELECT app_employee_id()) OR practitioner_id = (SELECT app_practitioner_id()));
CREATE POLICY consultations_participant_update ON consultations FOR UPDATE
  USING (employee_id = (SELECT app_employee_id()) OR practitioner_id = (SELECT app_practitioner_id()))
  WITH CHECK (employee_id = (SELECT app_employee_id()) OR practitioner_id = (SELECT app_practitioner_id()));
-- Booking: an EMPLOYEE for itself, in its own company, as a fresh SCHEDULED consultation (no forged
-- timestamps/durations that would feed the counters).
CREATE POLICY consultations_employee_insert ON consultations FOR INSERT
  WITH CHECK ((SELECT app_role()) = 'EMPLOYEE'
              AND employee_id = (SELECT app_employee_id())
              AND company_id = (SELECT app_company_id())
              AND status = 'SCHEDULED' AND started_at IS NULL AND ended_at IS NULL);
-- No DELETE policy: consultations are cancelled or anonymised, never deleted.

-- ── consultation_events (append-only: no UPDATE/DELETE policy or grant) ──
CREATE POLICY consultation_events_participant_select ON consultation_events FOR SELECT
  USING (EXISTS (SELECT 1 FROM consultations c
                 WHERE c.id = consultation_events.consultation_id
                   AND (c.employee_id = (SELECT app_employee_id()) OR c.practitioner_id = (SELECT app_practitioner_id()))));
CREATE POLICY consultation_events_participant_insert ON consultation_events FOR INSERT
  WITH CHECK (actor_id = (SELECT app_user_id())::text
              AND EXISTS (SELECT 1 FROM consultations c
                          WHERE c.id = consultation_events.consultation_id
                            AND (c.employee_id = (SELECT app_employee_id()) OR c.practitioner_id = (SELECT app_practitioner_id()))));

-- ── messages ──
CREATE POLICY messages_participant_select ON messages FOR SELECT
  USING (EXISTS (SELECT 1 FROM consultations c
                 WHERE c.id = messages.consultation_id
                   AND (c.employee_id = (SELECT app_employee_id()) OR c.practitioner_id = (SELECT app_practitioner_id()))));
CREATE POLICY messages_participant_insert ON messages FOR INSERT
  WITH CHECK (sender_id = (SELECT app_user_id())
              AND EXISTS (SELECT 1 FROM consultations c
                          WHERE c.id = messages.consultation_id
                            AND (c.employee_id = (SELECT app_employee_id()) OR c.practitioner_id = (SELECT app_practitioner_id()))));
-- Read receipts, edits, soft deletion. No DELETE policy (anonymisation is a system job).
CREATE POLICY messages_participant_update ON messages FOR UPDATE
  USING (EXISTS (SELECT 1 FROM consultations c
                 WHERE c.id = messages.consultation_id
                   AND (c.employee_id = (SELECT app_employee_id()) OR c.practitioner_id = (SELECT app_practitioner_id()))))
  WITH CHECK (EXISTS (SELECT 1 FROM consultations c
                      WHERE c.id = messages.consultation_id
                        AND (c.employee_id = (SELECT app_employee_id()) OR c.practitioner_id = (SELECT app_practitioner_id()))));

-- ── clinical_notes: the authoring practitioner only, on its own consultations ──
-- No DELETE policy: 20-year retention, deletion is soft (deleted_at).
CREATE POLICY clinical_notes_author_select ON clinical_notes FOR SELECT
  USING (practitioner_id = (SELECT app_practitioner_id()));
CREATE POLICY clinical_notes_author_insert ON clinical_notes FOR INSERT
  WITH CHECK (practitioner_id = (SELECT app_practitioner_id())
              AND EXISTS (SELECT 1 FROM consultations c
                          WHERE c.id = clinical_notes.consultation_id AND c.practitioner_id = (SELECT app_practitioner_id())));
CREATE POLICY clinical_notes_author_update ON clinical_notes FOR UPDATE
  USING (practitioner_id = (SELECT app_practitioner_id()))
  WITH CHECK (practitioner_id = (SELECT app_practitioner_id()));

-- ── journal_entries: the owning employee only (hard delete allowed) ──
CREATE POLICY journal_entries_owner_all ON journal_entries FOR ALL
  USING (employee_id = (SELECT app_employee_id()))
  WITH CHECK (employee_id = (SELECT app_employee_id()));

-- ── articles: public blog ──
-- Published rows are readable with no context at all (anonymous visitors).
CREATE POLICY articles_published_select ON articles FOR SELECT
  USING (status = 'PUBLISHED');
CREATE POLICY articles_platform_all ON articles FOR ALL
  USING ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'))
  WITH CHECK ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'));

-- ── news: company-internal ──
CREATE POLICY news_rh_all ON news FOR ALL
  USING ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()))
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()));
CREATE POLICY news_employee_select ON news FOR SELECT
  USING ((SELECT app_role()) = 'EMPLOYEE' AND company_id = (SELECT app_company_id()));

-- ── files ──
-- The uploader owns its files (in its own company, or none). Others read a file only when it is public,
-- or their role is allowed (same company when the file has one) — and a file attached to a consultation
-- additionally requires being one of its participants.
CREATE POLICY files_uploader_all ON files FOR ALL
  USING (uploaded_by = (SELECT app_user_id())::text)
  WITH CHECK (uploaded_by = (SELECT app_user_id())::text
              AND user_role::text = (SELECT app_role())
              AND (company_id IS NULL OR company_id = (SELECT app_company_id())));
CREATE POLICY files_shared_select ON files FOR SELECT
  USING (is_public
         OR ((SELECT app_role()) = ANY (allowed_roles::text[])
             AND (company_id IS NULL OR company_id = (SELECT app_company_id()))
             AND (related_resource IS DISTINCT FROM 'consultation'
                  OR EXISTS (SELECT 1 FROM consultations c
                             WHERE c.id::text = files.related_id
                               AND (c.employee_id = (SELECT app_employee_id()) OR c.practitioner_id = (SELECT app_practitioner_id()))))));

-- ── audit_logs: append-only; written by anyone authenticated, read by SUPER_ADMIN ──
CREATE POLICY audit_logs_insert ON audit_logs FOR INSERT
  WITH CHECK ((SELECT app_user_id()) IS NOT NULL);
-- The consultation audit trigger is SECURITY DEFINER (runs as this owner, which FORCE RLS also binds) and
-- must log system-made changes too (no app context).
CREATE POLICY audit_logs_definer_insert ON audit_logs FOR INSERT TO CURRENT_USER
  WITH CHECK (true);
CREATE POLICY audit_logs_superadmin_select ON audit_logs FOR SELECT
  USING ((SELECT app_role()) = 'SUPER_ADMIN');

-- ── security_events ──
-- Anonymous events (failed logins) are written by the system role.
CREATE POLICY security_events_insert ON security_events FOR INSERT
  WITH CHECK ((SELECT app_user_id()) IS NOT NULL);
CREATE POLICY security_events_superadmin_select ON security_events FOR SELECT
  USING ((SELECT app_role()) = 'SUPER_ADMIN');

-- ── email_queue: no app policy (system role only) ──
-- ── backup_records: written by the system role; SUPER_ADMIN reads ──
CREATE POLICY backup_records_superadmin_select ON backup_records FOR SELECT
  USING ((SELECT app_role()) = 'SUPER_ADMIN');

-- ── support_tickets ──
CREATE POLICY support_tickets_rh_all ON support_tickets FOR ALL
  USING ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()))
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()));
CREATE POLICY support_tickets_admin_all ON support_tickets FOR ALL
  USING ((SELECT app_role()) = 'ADMIN_HUNTZEN')
  WITH CHECK ((SELECT app_role()) = 'ADMIN_HUNTZEN');

-- ════════════════════════════════════ 5. Triggers ════════════════════════════════════

-- Consultations, before every write:
--  * the parties (employee, practitioner, company) never change: a practitioner could otherwise
--    re-point its consultation at another employee and gain read access to that employee;
--  * durations are derived from the server-set timestamps only (SPEC §6.6, §11 C6): seconds are the
--    source of truth, minutes = round(seconds / 60) (half-up); values written by the client are ignored;
--  * COMPLETED requires started_at and ended_at (CDC guard, SPEC §3.5).
CREATE OR REPLACE FUNCTION consultations_before_write() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  secs integer;
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.employee_id IS DISTINCT FROM OLD.employee_id
                           OR NEW.practitioner_id IS DISTINCT FROM OLD.practitioner_id
                           OR NEW.company_id IS DISTINCT FROM OLD.company_id) THEN
    RAISE EXCEPTION 'consultation %: employee, practitioner and company cannot be changed', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;

  IF NEW.ended_at IS NULL THEN
    NEW.actual_duration_seconds := NULL;
    NEW.actual_duration := NULL;
  ELSE
    IF NEW.started_at IS NULL THEN
      RAISE EXCEPTION 'consultation %: ended_at is set but started_at is missing', NEW.id
        USING ERRCODE = 'check_violation';
    END IF;
    secs := GREATEST(0, floor(extract(epoch FROM NEW.ended_at - NEW.started_at)))::integer;
    NEW.actual_duration_seconds := secs;
    NEW.actual_duration := round(secs / 60.0)::integer;
  END IF;

  IF NEW.status = 'COMPLETED' AND (NEW.started_at IS NULL OR NEW.ended_at IS NULL) THEN
    RAISE EXCEPTION 'consultation % cannot be COMPLETED without started_at and ended_at', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER consultation_duration_trigger
  BEFORE INSERT OR UPDATE ON consultations
  FOR EACH ROW EXECUTE FUNCTION consultations_before_write();

-- Consultation audit (SPEC §3.5 with its fixes, §11 S9): whitelisted columns only — never
-- cancel_reason, notes, room_password. Actor from the app context, else 'system'. SECURITY DEFINER so the
-- insert works whatever the caller may do on audit_logs (see audit_logs_definer_insert).
CREATE OR REPLACE FUNCTION consultations_audit() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  audited CONSTANT text[] := ARRAY[
    'status', 'scheduled_at', 'scheduled_end_at', 'started_at', 'ended_at', 'actual_duration',
    'actual_duration_seconds', 'billing_status', 'cancelled_at', 'cancelled_by', 'cancelled_within24h',
    'no_show_at', 'no_show_by'];
  old_row jsonb := to_jsonb(OLD);
  new_row jsonb := to_jsonb(NEW);
  before_cols jsonb := '{}'::jsonb;
  after_cols jsonb := '{}'::jsonb;
  col text;
  actor text := NULLIF(current_setting('app.user_id', true), '');
  actor_role text := NULLIF(current_setting('app.role', true), '');
BEGIN
  FOREACH col IN ARRAY audited LOOP
    IF old_row -> col IS DISTINCT FROM new_row -> col THEN
      before_cols := before_cols || jsonb_build_object(col, old_row -> col);
      after_cols := after_cols || jsonb_build_object(col, new_row -> col);
    END IF;
  END LOOP;
  IF after_cols = '{}'::jsonb THEN
    RETURN NULL; -- nothing auditable changed (e.g. only the free-text notes)
  END IF;

  INSERT INTO audit_logs (id, user_id, user_role, user_email, action, resource, resource_id, company_id,
                          details, changes_before, changes_after, is_sensitive)
  VALUES (gen_random_uuid(),
          COALESCE(actor, 'system'),
          CASE WHEN actor_role = ANY (enum_range(NULL::"Role")::text[]) THEN actor_role::"Role" END,
          NULLIF(current_setting('app.user_email', true), ''),
          'UPDATE', 'consultation', NEW.id::text, NEW.company_id,
          jsonb_build_object('source', 'consultation_audit_trigger'),
          before_cols, after_cols, true);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION consultations_audit() FROM PUBLIC;
CREATE TRIGGER consultation_audit_trigger
  AFTER UPDATE ON consultations
  FOR EACH ROW EXECUTE FUNCTION consultations_audit();

-- audit_logs is append-only for every role, owner and system role included (retention purges, if ever
-- decided, need an explicit owner action that disables this trigger).
CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_logs_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();
CREATE TRIGGER audit_logs_no_truncate
  BEFORE TRUNCATE ON audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();

-- Columns a self-editing caller must not touch (RLS cannot compare OLD and NEW). HR edits its company's
-- profile, not its validation, suspension, seats or domains (SPEC §4.3 C4); a practitioner edits its
-- profile, not its validation or rating (SPEC §4.5 PR6). Only app contexts are checked: the system role
-- and platform admins are unaffected.
CREATE OR REPLACE FUNCTION companies_guard_privileged() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF app_role() = 'ADMIN_RH'
     AND (NEW.is_active, NEW.validated_at, NEW.validated_by, NEW.suspended_at, NEW.max_employees,
          NEW.email_domains, NEW.siret, NEW.slug)
         IS DISTINCT FROM
         (OLD.is_active, OLD.validated_at, OLD.validated_by, OLD.suspended_at, OLD.max_employees,
          OLD.email_domains, OLD.siret, OLD.slug) THEN
    RAISE EXCEPTION 'ADMIN_RH may not change validation, suspension, seats, domains, SIRET or slug of a company'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER companies_guard_privileged
  BEFORE UPDATE ON companies
  FOR EACH ROW EXECUTE FUNCTION companies_guard_privileged();

CREATE OR REPLACE FUNCTION practitioners_guard_privileged() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF app_role() = 'PRACTITIONER'
     AND (NEW.is_validated, NEW.validated_at, NEW.validated_by, NEW.documents_verified,
          NEW.average_rating, NEW.review_count)
         IS DISTINCT FROM
         (OLD.is_validated, OLD.validated_at, OLD.validated_by, OLD.documents_verified,
          OLD.average_rating, OLD.review_count) THEN
    RAISE EXCEPTION 'a practitioner may not change its validation, document verification or rating'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER practitioners_guard_privileged
  BEFORE UPDATE ON practitioners
  FOR EACH ROW EXECUTE FUNCTION practitioners_guard_privileged();

-- ════════════════════════════════════ 6. Constraints and indexes ════════════════════════════════════
-- btree_gist gives GiST an "=" for uuid, needed to combine it with a range overlap. Trusted extension:
-- the database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Double booking (SPEC §3.5, §6.1) is impossible even under concurrent requests. Only active
-- consultations block; CANCELLED / NO_SHOW free the slot. The practitioner's block includes its buffer
-- (blocked_until = scheduled_end_at + buffer_time, written by the app). Violation: SQLSTATE 23P01 -> 409.
ALTER TABLE consultations
  ADD CONSTRAINT consultations_scheduled_end_after_start CHECK (scheduled_end_at > scheduled_at),
  ADD CONSTRAINT consultations_blocked_until_covers_end CHECK (blocked_until >= scheduled_end_at),
  ADD CONSTRAINT consultations_no_overlap_practitioner EXCLUDE USING gist (
    practitioner_id WITH =,
    tstzrange(scheduled_at, blocked_until, '[)') WITH &&
  ) WHERE (status IN ('SCHEDULED', 'CONFIRMED', 'IN_PROGRESS')),
  ADD CONSTRAINT consultations_no_overlap_employee EXCLUDE USING gist (
    employee_id WITH =,
    tstzrange(scheduled_at, scheduled_end_at, '[)') WITH &&
  ) WHERE (status IN ('SCHEDULED', 'CONFIRMED', 'IN_PROGRESS'));

-- Counters read completed consultations per company and period.
CREATE INDEX consultations_completed_company_scheduled_idx
  ON consultations (company_id, scheduled_at) WHERE status = 'COMPLETED';

ALTER TABLE practitioner_reviews
  ADD CONSTRAINT practitioner_reviews_rating_range CHECK (rating BETWEEN 1 AND 5),
  ADD CONSTRAINT practitioner_reviews_comment_length CHECK (comment IS NULL OR char_length(comment) <= 500);

ALTER TABLE availabilities
  ADD CONSTRAINT availabilities_day_of_week_range CHECK (day_of_week BETWEEN 0 AND 6),
  ADD CONSTRAINT availabilities_time_format CHECK (
    (start_time IS NULL OR start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$')
    AND (end_time IS NULL OR end_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$')),
  ADD CONSTRAINT availabilities_recurring_fields CHECK (
    type <> 'RECURRING' OR (day_of_week IS NOT NULL AND start_time IS NOT NULL AND end_time IS NOT NULL)),
  ADD CONSTRAINT availabilities_exception_date CHECK (type <> 'EXCEPTION' OR date IS NOT NULL);

-- Login e-mails are compared lower-cased: store them that way (SPEC §3.2.1).
ALTER TABLE users ADD CONSTRAINT users_email_lowercase CHECK (email = lower(email));

-- Blog search (SPEC §3.2.13): French full-text index.
CREATE INDEX articles_fulltext_fr_idx ON articles USING gin (to_tsvector('french', title || ' ' || content));

-- At most one pending erasure request per user (a second request is a 409, not a second timer).
CREATE UNIQUE INDEX deletion_requests_one_pending_per_user ON deletion_requests (user_id) WHERE status = 'PENDING';

-- ════════════════════════════════════ 7. Report views (SPEC §3.4) ════════════════════════════════════
-- Counters by calendar month in Europe/Paris (not the session time zone), from actual_duration_seconds.
-- Materialized views ignore RLS, so the app role gets no access at all: reports read them through the
-- system role and filter by tenant in the query layer.

-- Refreshing runs the view query as the view owner, whom FORCE RLS binds too: this owner-only policy
-- opens the three source tables to the owner only while app.stats_refresh = 'on', which only the
-- SECURITY DEFINER refresh functions below set, around the REFRESH only (a failed refresh aborts the
-- transaction, which discards the transaction-local setting too).
CREATE POLICY employees_stats_refresh ON employees FOR SELECT TO CURRENT_USER
  USING (current_setting('app.stats_refresh', true) = 'on');
CREATE POLICY practitioners_stats_refresh ON practitioners FOR SELECT TO CURRENT_USER
  USING (current_setting('app.stats_refresh', true) = 'on');
CREATE POLICY consultations_stats_refresh ON consultations FOR SELECT TO CURRENT_USER
  USING (current_setting('app.stats_refresh', true) = 'on');

-- HR counters: COMPLETED and billable. Employees without consultations get one row with a NULL period.
-- last_consultation_date is internal only: an exact date must never reach HR (SPEC §3.4, §11 S8) —
-- never select it in an HR-facing report or export.
CREATE MATERIALIZED VIEW employee_usage_stats AS
SELECT e.id                                                            AS employee_id,
       e.company_id,
       e.first_name,
       e.last_name,
       e.department,
       (date_trunc('month', c.scheduled_at AT TIME ZONE 'Europe/Paris'))::date AS period,
       count(c.id)::integer                                            AS consultation_count,
       COALESCE(sum(c.actual_duration_seconds), 0)::bigint             AS total_duration_seconds,
       COALESCE(round(sum(c.actual_duration_seconds) / 60.0), 0)::integer AS total_duration_minutes,
       max(c.scheduled_at)                                             AS last_consultation_date
FROM employees e
LEFT JOIN consultations c
       ON c.employee_id = e.id AND c.status = 'COMPLETED' AND c.is_billable
GROUP BY e.id, e.company_id, e.first_name, e.last_name, e.department,
         date_trunc('month', c.scheduled_at AT TIME ZONE 'Europe/Paris');
CREATE UNIQUE INDEX employee_usage_stats_employee_period_key ON employee_usage_stats (employee_id, period);
CREATE INDEX employee_usage_stats_company_period_idx ON employee_usage_stats (company_id, period);

-- Practitioner counters: COMPLETED and billing VALIDATED or BILLED, per company and month.
CREATE MATERIALIZED VIEW practitioner_billing_stats AS
SELECT p.id                                                            AS practitioner_id,
       p.first_name,
       p.last_name,
       p.specialty,
       c.company_id,
       (date_trunc('month', c.scheduled_at AT TIME ZONE 'Europe/Paris'))::date AS period,
       count(c.id)::integer                                            AS consultation_count,
       COALESCE(sum(c.actual_duration_seconds), 0)::bigint             AS total_duration_seconds,
       COALESCE(round(sum(c.actual_duration_seconds) / 60.0), 0)::integer AS total_duration_minutes,
       round(avg(c.actual_duration_seconds) / 60.0, 1)::double precision AS avg_duration_minutes
FROM practitioners p
LEFT JOIN consultations c
       ON c.practitioner_id = p.id AND c.status = 'COMPLETED' AND c.billing_status IN ('VALIDATED', 'BILLED')
GROUP BY p.id, p.first_name, p.last_name, p.specialty, c.company_id,
         date_trunc('month', c.scheduled_at AT TIME ZONE 'Europe/Paris');
CREATE UNIQUE INDEX practitioner_billing_stats_practitioner_company_period_key
  ON practitioner_billing_stats (practitioner_id, company_id, period);

-- REFRESH ... CONCURRENTLY (readers are never blocked) needs the owner: SECURITY DEFINER, callable by
-- the system role only (the 6-hourly job and the on-demand refresh after a consultation ends).
CREATE OR REPLACE FUNCTION refresh_employee_stats() RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM set_config('app.stats_refresh', 'on', true);
  REFRESH MATERIALIZED VIEW CONCURRENTLY employee_usage_stats;
  PERFORM set_config('app.stats_refresh', '', true);
END
$$;
CREATE OR REPLACE FUNCTION refresh_practitioner_stats() RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM set_config('app.stats_refresh', 'on', true);
  REFRESH MATERIALIZED VIEW CONCURRENTLY practitioner_billing_stats;
  PERFORM set_config('app.stats_refresh', '', true);
END
$$;
REVOKE ALL ON FUNCTION refresh_employee_stats(), refresh_practitioner_stats() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_employee_stats(), refresh_practitioner_stats() TO huntzen_system;

-- The default privileges above granted the views to the app role: take that back.
REVOKE ALL ON employee_usage_stats, practitioner_billing_stats FROM PUBLIC, huntzen_app;
REVOKE ALL ON employee_usage_stats, practitioner_billing_stats FROM huntzen_system;
GRANT SELECT ON employee_usage_stats, practitioner_billing_stats TO huntzen_system;
