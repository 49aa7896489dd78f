-- Issue 9 items 5–7: retention purges, super-admin S1–S5, and "who accessed my data" (access log).

-- ════════════════ audit_logs: the subject of a read, and the indexes the queries use ════════════════
-- The user whose personal data an audited read or export concerns (NULL for every other row). Written by
-- AuditService for reads of someone else's data; read back only through my_access_log() below.
ALTER TABLE "audit_logs" ADD COLUMN "subject_user_id" UUID;

-- Indexes, decided from the queries that exist:
--  * S4 search sorts by created_at DESC (and the retention purge scans created_at <): keep created_at.
--  * S4 filters userId / companyId, then sorts: composite (col, created_at) replaces the single-column ones.
--  * S4 q matches resource_id exactly (clinical-note tests and forensics too): keep resource_id.
--  * action, resource and is_sensitive are low-cardinality and never queried alone: dropped (a filter on
--    them rides the created_at order; an index would only slow the append-only insert path).
--  * the access log reads one subject's rows newest first: (subject_user_id, created_at).
DROP INDEX IF EXISTS "audit_logs_action_idx";
DROP INDEX IF EXISTS "audit_logs_resource_idx";
DROP INDEX IF EXISTS "audit_logs_is_sensitive_idx";
DROP INDEX IF EXISTS "audit_logs_user_id_idx";
DROP INDEX IF EXISTS "audit_logs_company_id_idx";
CREATE INDEX "audit_logs_user_id_created_at_idx" ON "audit_logs"("user_id", "created_at" DESC);
CREATE INDEX "audit_logs_company_id_created_at_idx" ON "audit_logs"("company_id", "created_at" DESC);
CREATE INDEX "audit_logs_subject_user_id_created_at_idx" ON "audit_logs"("subject_user_id", "created_at" DESC);

-- A subject is named only on a read/export/download by someone else: the actor never names itself, and only
-- READ, EXPORT and DOWNLOAD rows carry one (an INSERT by any authenticated caller could otherwise plant rows in another
-- user's access log under its own name — that is still what happened, so it is allowed, but only as a read).
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_subject_is_a_read"
  CHECK (subject_user_id IS NULL OR (action IN ('READ', 'EXPORT', 'DOWNLOAD') AND user_id <> subject_user_id::text));

-- ════════════════ access log: the subject reads who read their data, nothing else ════════════════
-- SECURITY DEFINER: the caller has no SELECT on audit_logs (SUPER_ADMIN only). Returns the caller's own
-- rows as subject (app_user_id()), minus its own actions, and of the actor only its role and organisation
-- (company name for HR; "HuntZen Care" for platform staff and practitioners) — never a name, e-mail or IP.
CREATE OR REPLACE FUNCTION my_access_log(p_limit integer, p_offset integer)
  RETURNS TABLE (id uuid, accessed_at timestamptz, action text, resource text, actor_role text, actor_organisation text, total bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_user_id() IS NULL THEN RETURN; END IF;
  PERFORM set_config('app.definer_read', 'on', true);
  RETURN QUERY
    SELECT a.id, a.created_at, a.action::text, a.resource, a.user_role::text,
           CASE WHEN a.user_role = 'ADMIN_RH' THEN c.name
                WHEN a.user_role IN ('PRACTITIONER', 'SUPER_ADMIN', 'ADMIN_HUNTZEN') THEN 'HuntZen Care'
           END,
           count(*) OVER ()
    FROM audit_logs a
    LEFT JOIN users u ON u.id::text = a.user_id
    LEFT JOIN companies c ON c.id = u.company_id
    WHERE a.subject_user_id = app_user_id()
      AND a.user_id <> app_user_id()::text
    ORDER BY a.created_at DESC, a.id
    LIMIT LEAST(GREATEST(p_limit, 1), 100) OFFSET GREATEST(p_offset, 0);
  PERFORM set_config('app.definer_read', 'off', true);
END
$$;
-- The definer (this owner) is bound by FORCE RLS: owner-only policies open the tables it reads while
-- app.definer_read = 'on', which only the SECURITY DEFINER functions of this file set, around one query.
CREATE POLICY audit_logs_definer_read ON audit_logs FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer_read', true) = 'on');
CREATE POLICY users_definer_read ON users FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer_read', true) = 'on');
CREATE POLICY companies_definer_read ON companies FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer_read', true) = 'on');
CREATE POLICY employees_definer_read ON employees FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer_read', true) = 'on');
CREATE POLICY practitioners_definer_read ON practitioners FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer_read', true) = 'on');
CREATE POLICY consultations_definer_read ON consultations FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer_read', true) = 'on');
REVOKE ALL ON FUNCTION my_access_log(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION my_access_log(integer, integer) TO huntzen_app;

-- ════════════════ audit retention: the only way a row ever leaves audit_logs ════════════════
-- audit_logs stays append-only for every role; this owner-run function is the one exception, for rows
-- older than the retention the job asks for AND older than 365 days whatever it asks (SPEC: ≥ 1 year).
-- The trigger lets a DELETE through only inside this function (current_user is the owner and the
-- transaction-local flag is set) and only for rows past 365 days. Executable by the system role only.
CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND current_setting('huntzen.audit_retention_purge', true) = 'on'
     AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID)
     AND OLD.created_at < statement_timestamp() - interval '365 days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_logs is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE POLICY audit_logs_definer_delete ON audit_logs FOR DELETE TO CURRENT_USER
  USING (created_at < statement_timestamp() - interval '365 days');

CREATE OR REPLACE FUNCTION purge_audit_logs(p_cutoff timestamptz, p_limit integer)
  RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  n integer;
BEGIN
  PERFORM set_config('huntzen.audit_retention_purge', 'on', true);
  PERFORM set_config('app.definer_read', 'on', true);
  DELETE FROM audit_logs
  WHERE id IN (SELECT a.id FROM audit_logs a
               WHERE a.created_at < LEAST(p_cutoff, statement_timestamp() - interval '365 days')
               ORDER BY a.created_at
               LIMIT LEAST(GREATEST(p_limit, 1), 10000));
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('huntzen.audit_retention_purge', 'off', true);
  PERFORM set_config('app.definer_read', 'off', true);
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION purge_audit_logs(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_audit_logs(timestamptz, integer) TO huntzen_system;

-- ════════════════ super-admin aggregates (S2, S3): counts only ════════════════
-- SUPER_ADMIN has no SELECT on consultations (ARCHITECTURE §4): these return per-company counts and
-- durations, never a consultation row, a practitioner or content. Anyone else gets no rows.
CREATE OR REPLACE FUNCTION platform_company_usage()
  RETURNS TABLE (company_id uuid, name text, is_active boolean, created_at timestamptz, employees bigint,
                 active_employees bigint, consultations bigint, completed_consultations bigint,
                 cancelled_consultations bigint, completed_seconds bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_role() IS DISTINCT FROM 'SUPER_ADMIN' THEN RETURN; END IF;
  PERFORM set_config('app.definer_read', 'on', true);
  RETURN QUERY
    SELECT c.id, c.name, c.is_active, c.created_at,
           COALESCE(e.total, 0), COALESCE(e.active, 0),
           COALESCE(s.total, 0), COALESCE(s.completed, 0), COALESCE(s.cancelled, 0), COALESCE(s.seconds, 0)
    FROM companies c
    LEFT JOIN (SELECT em.company_id, count(*) AS total, count(*) FILTER (WHERE u.is_active) AS active
               FROM employees em JOIN users u ON u.id = em.user_id GROUP BY em.company_id) e ON e.company_id = c.id
    LEFT JOIN (SELECT k.company_id,
                      count(*) AS total,
                      count(*) FILTER (WHERE k.status = 'COMPLETED') AS completed,
                      count(*) FILTER (WHERE k.status = 'CANCELLED') AS cancelled,
                      COALESCE(sum(k.actual_duration_seconds) FILTER (WHERE k.status = 'COMPLETED'), 0)::bigint AS seconds
               FROM consultations k GROUP BY k.company_id) s ON s.company_id = c.id
    ORDER BY c.name, c.id;
  PERFORM set_config('app.definer_read', 'off', true);
END
$$;
CREATE OR REPLACE FUNCTION platform_metrics()
  RETURNS TABLE (companies bigint, active_companies bigint, users bigint, employees bigint, practitioners bigint,
                 validated_practitioners bigint, consultations bigint, completed_consultations bigint,
                 cancelled_consultations bigint, no_show_consultations bigint, upcoming_consultations bigint,
                 completed_seconds bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF app_role() IS DISTINCT FROM 'SUPER_ADMIN' THEN RETURN; END IF;
  PERFORM set_config('app.definer_read', 'on', true);
  RETURN QUERY
    SELECT (SELECT count(*) FROM companies),
           (SELECT count(*) FROM companies c WHERE c.is_active),
           (SELECT count(*) FROM users),
           (SELECT count(*) FROM employees),
           (SELECT count(*) FROM practitioners),
           (SELECT count(*) FROM practitioners p WHERE p.is_validated),
           count(*),
           count(*) FILTER (WHERE k.status = 'COMPLETED'),
           count(*) FILTER (WHERE k.status = 'CANCELLED'),
           count(*) FILTER (WHERE k.status = 'NO_SHOW'),
           count(*) FILTER (WHERE k.status IN ('SCHEDULED', 'CONFIRMED') AND k.scheduled_at > now()),
           COALESCE(sum(k.actual_duration_seconds) FILTER (WHERE k.status = 'COMPLETED'), 0)::bigint
    FROM consultations k;
  PERFORM set_config('app.definer_read', 'off', true);
END
$$;
REVOKE ALL ON FUNCTION platform_company_usage() FROM PUBLIC;
REVOKE ALL ON FUNCTION platform_metrics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_company_usage(), platform_metrics() TO huntzen_app;

-- ════════════════ backups (S5) ════════════════
-- SUPER_ADMIN creates the RUNNING record when it asks for a backup; the system role (the job) finishes it.
-- The dump is encrypted with a data key wrapped by the master key: the envelope columns below.
ALTER TABLE "backup_records"
  ADD COLUMN "requested_by" UUID,
  ADD COLUMN "error" TEXT,
  ADD COLUMN "iv" TEXT,
  ADD COLUMN "auth_tag" TEXT,
  ADD COLUMN "encrypted_dek" TEXT,
  ADD COLUMN "dek_iv" TEXT,
  ADD COLUMN "dek_auth_tag" TEXT,
  ADD COLUMN "key_version" TEXT;
CREATE POLICY backup_records_superadmin_insert ON backup_records FOR INSERT
  WITH CHECK ((SELECT app_role()) = 'SUPER_ADMIN' AND status = 'RUNNING' AND requested_by = (SELECT app_user_id())
              AND finished_at IS NULL AND location IS NULL AND size_bytes IS NULL AND encrypted_dek IS NULL);

-- pg_dump runs as the system role (BYPASSRLS): it must read every table, the migration history included.
DO $$
BEGIN
  IF to_regclass('public._prisma_migrations') IS NOT NULL THEN
    GRANT SELECT ON public._prisma_migrations TO huntzen_system;
  END IF;
END
$$;
