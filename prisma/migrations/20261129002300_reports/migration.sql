-- Issue 9 items 1–3: counters and reports (SPEC §4.11 R1–R7, §4.17 X5–X7, §4.19 I10, §6.6–6.7).
-- HR and platform admins never select a consultation row nor the materialized views (ARCHITECTURE §4):
-- they call the SECURITY DEFINER functions below, which check the caller's role and scope themselves and
-- return per-employee counters or aggregates only: no practitioner, specialty, format, reason or date.
-- Same pattern as migration 20261129000200: owner-only policies gated by app.definer = 'reports', set by
-- the functions around their query and restored before they return; each function filters explicitly.

CREATE POLICY employees_definer_reports ON employees FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'reports');
CREATE POLICY users_definer_reports ON users FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'reports');
CREATE POLICY consultations_definer_reports ON consultations FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'reports');
CREATE POLICY companies_definer_reports ON companies FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'reports');

-- May the caller read the counters of company p_company_id? Its own HR, or a platform admin.
CREATE OR REPLACE FUNCTION report_company_allowed(p_company_id uuid) RETURNS boolean
  LANGUAGE sql STABLE AS $$
  SELECT app_user_id() IS NOT NULL
         AND ((app_role() = 'ADMIN_RH' AND p_company_id = app_company_id())
              OR app_role() IN ('ADMIN_HUNTZEN', 'SUPER_ADMIN'))
$$;

-- R1–R3, X5–X7: one row per employee of the company (erased accounts excluded), with its counters summed
-- over the months [p_from, p_to) of employee_usage_stats (COMPLETED and billable, SPEC §6.6). Names and
-- departments are read live (a renamed department shows at once); counters come from the view.
-- Seconds are summed, minutes are derived by the caller (round half-up of the sum, SPEC §6.6).
CREATE OR REPLACE FUNCTION report_employee_usage(p_company_id uuid, p_from date, p_to date, p_department text, p_employee_id uuid)
  RETURNS TABLE (employee_id uuid, first_name text, last_name text, department text, is_active boolean,
                 consultation_count integer, total_duration_seconds bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  IF NOT COALESCE(report_company_allowed(p_company_id), false) THEN
    RETURN;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  RETURN QUERY
    SELECT e.id, e.first_name, e.last_name, e.department, (u.is_active AND u.deleted_at IS NULL),
           COALESCE(s.consultation_count, 0)::integer, COALESCE(s.total_duration_seconds, 0)::bigint
    FROM employees e
    JOIN users u ON u.id = e.user_id
    LEFT JOIN (SELECT v.employee_id, sum(v.consultation_count) AS consultation_count,
                      sum(v.total_duration_seconds) AS total_duration_seconds
               FROM employee_usage_stats v
               WHERE v.company_id = p_company_id AND v.period >= p_from AND v.period < p_to
                 AND (p_employee_id IS NULL OR v.employee_id = p_employee_id)
               GROUP BY v.employee_id) s ON s.employee_id = e.id
    WHERE e.company_id = p_company_id AND u.deleted_at IS NULL
      AND (p_employee_id IS NULL OR e.id = p_employee_id)
      AND (p_department IS NULL OR lower(e.department) = lower(p_department));
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

-- The departments of a company (for "unknown department" answers), same authorization.
CREATE OR REPLACE FUNCTION report_company_departments(p_company_id uuid)
  RETURNS TABLE (department text)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  IF NOT COALESCE(report_company_allowed(p_company_id), false) THEN
    RETURN;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  RETURN QUERY SELECT DISTINCT e.department FROM employees e WHERE e.company_id = p_company_id AND e.department IS NOT NULL;
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

-- Export jobs: how many rows an R3/X7 export will have (employees of the company, erased accounts excluded).
CREATE OR REPLACE FUNCTION report_company_size(p_company_id uuid, p_department text) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
  n integer;
BEGIN
  IF NOT COALESCE(report_company_allowed(p_company_id), false) THEN
    RETURN 0;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  SELECT count(*)::integer INTO n FROM employees e JOIN users u ON u.id = e.user_id
   WHERE e.company_id = p_company_id AND u.deleted_at IS NULL
     AND (p_department IS NULL OR lower(e.department) = lower(p_department));
  PERFORM set_config('app.definer', prev_definer, true);
  RETURN n;
END
$$;

-- R4 / I10: a practitioner's counters per company over [p_from, p_to) of practitioner_billing_stats
-- (COMPLETED, billing VALIDATED or BILLED). The practitioner itself, or a platform admin (I10).
CREATE OR REPLACE FUNCTION report_practitioner_stats(p_practitioner_id uuid, p_from date, p_to date)
  RETURNS TABLE (company_id uuid, company_name text, consultation_count integer, total_duration_seconds bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  IF app_user_id() IS NULL OR NOT ((app_role() = 'PRACTITIONER' AND p_practitioner_id = app_practitioner_id())
                                   OR app_role() IN ('ADMIN_HUNTZEN', 'SUPER_ADMIN')) THEN
    RETURN;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  RETURN QUERY
    SELECT v.company_id, co.name, sum(v.consultation_count)::integer, sum(v.total_duration_seconds)::bigint
    FROM practitioner_billing_stats v
    JOIN companies co ON co.id = v.company_id
    WHERE v.practitioner_id = p_practitioner_id AND v.period >= p_from AND v.period < p_to
    GROUP BY v.company_id, co.name;
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

-- R7: per company, active employees, employees with ≥ 1 counted consultation, counters. Platform admins only.
CREATE OR REPLACE FUNCTION report_platform_companies(p_from date, p_to date)
  RETURNS TABLE (company_id uuid, company_name text, company_active boolean, employee_count integer,
                 active_employee_count integer, consultation_count integer, total_duration_seconds bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  IF app_user_id() IS NULL OR app_role() NOT IN ('ADMIN_HUNTZEN', 'SUPER_ADMIN') THEN
    RETURN;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  RETURN QUERY
    SELECT co.id, co.name, co.is_active,
           (SELECT count(*)::integer FROM employees e JOIN users u ON u.id = e.user_id
             WHERE e.company_id = co.id AND u.is_active AND u.deleted_at IS NULL),
           COALESCE(s.active_employee_count, 0)::integer, COALESCE(s.consultation_count, 0)::integer,
           COALESCE(s.total_duration_seconds, 0)::bigint
    FROM companies co
    LEFT JOIN (SELECT v.company_id, count(DISTINCT v.employee_id) FILTER (WHERE v.consultation_count > 0) AS active_employee_count,
                      sum(v.consultation_count) AS consultation_count, sum(v.total_duration_seconds) AS total_duration_seconds
               FROM employee_usage_stats v
               WHERE v.period >= p_from AND v.period < p_to
               GROUP BY v.company_id) s ON s.company_id = co.id;
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

-- R7: platform-wide outcome counts of the consultations scheduled in the period (completion rate). No id,
-- no participant, no company: four numbers. Platform admins only.
CREATE OR REPLACE FUNCTION report_platform_outcomes(p_from timestamptz, p_to timestamptz)
  RETURNS TABLE (completed integer, cancelled integer, no_show integer, total integer)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  IF app_user_id() IS NULL OR app_role() NOT IN ('ADMIN_HUNTZEN', 'SUPER_ADMIN') THEN
    RETURN;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  RETURN QUERY
    SELECT count(*) FILTER (WHERE c.status = 'COMPLETED')::integer,
           count(*) FILTER (WHERE c.status = 'CANCELLED')::integer,
           count(*) FILTER (WHERE c.status = 'NO_SHOW')::integer,
           count(*)::integer
    FROM consultations c
    WHERE c.scheduled_at >= p_from AND c.scheduled_at < p_to;
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

REVOKE ALL ON FUNCTION report_company_allowed(uuid),
                       report_employee_usage(uuid, date, date, text, uuid),
                       report_company_departments(uuid), report_company_size(uuid, text),
                       report_practitioner_stats(uuid, date, date),
                       report_platform_companies(date, date),
                       report_platform_outcomes(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_company_allowed(uuid),
                          report_employee_usage(uuid, date, date, text, uuid),
                          report_company_departments(uuid), report_company_size(uuid, text),
                          report_practitioner_stats(uuid, date, date),
                          report_platform_companies(date, date),
                          report_platform_outcomes(timestamptz, timestamptz) TO huntzen_app;

