-- R1 at scale (issue 9 bench: 10,000 employees, 1,000,000 consultations). report_employee_usage() builds
-- every employee's row of the company; R1 called it twice per page (the page, sorted then cut, and the
-- totals), so a page of 20 cost two passes over the whole company. These two functions answer the same
-- question in the same scope with the same checks (report_company_allowed, definer policies gated by
-- app.definer = 'reports', erased accounts excluded), but:
--  * the page walks employees in report order through an index and stops after offset + limit rows,
--    reading the counters of those rows only (unique index of the view: employee, period);
--  * the totals aggregate without sorting or returning names.
-- The owner is bound by FORCE RLS, and the OR of its policies (one with a sub-select) makes the planner
-- estimate 1-2 rows for any scan of employees/users: plpgsql's cached generic plan then chose, at 10,000
-- employees, a nested loop re-aggregating the whole view per employee (22 s measured) and JIT (0.5-1 s per
-- call), and even a custom plan joined the aggregated view by a nested loop (50 million comparisons,
-- 12 s at 1,000,000 consultations). So: jit off for both, and plans that do not depend on row estimates —
-- both drive from the company's employees (index), look their user up by primary key (an OFFSET 0 lateral
-- cannot be turned into a join) and read their counters through the view's unique index (employee, period);
-- the page walks the new index in report order and stops after offset + limit rows; the totals are planned
-- per call (EXECUTE … USING: a custom plan that sees the company's size and picks its index).
-- report_employee_usage() stays for R2, the exports and the company KPIs, rewritten the same way (below).

CREATE INDEX employees_company_report_order_idx ON employees (company_id, last_name, first_name, id);

CREATE OR REPLACE FUNCTION report_employee_usage_page(p_company_id uuid, p_from date, p_to date, p_department text,
                                                      p_limit integer, p_offset integer)
  RETURNS TABLE (employee_id uuid, first_name text, last_name text, department text, is_active boolean,
                 consultation_count integer, total_duration_seconds bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
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
    JOIN LATERAL (SELECT u.is_active, u.deleted_at FROM users u WHERE u.id = e.user_id OFFSET 0) u ON true
    LEFT JOIN LATERAL (SELECT sum(v.consultation_count) AS consultation_count,
                              sum(v.total_duration_seconds) AS total_duration_seconds
                       FROM employee_usage_stats v
                       WHERE v.employee_id = e.id AND v.company_id = p_company_id
                         AND v.period >= p_from AND v.period < p_to) s ON true
    WHERE e.company_id = p_company_id AND u.deleted_at IS NULL
      AND (p_department IS NULL OR lower(e.department) = lower(p_department))
    ORDER BY e.last_name, e.first_name, e.id
    LIMIT GREATEST(p_limit, 0) OFFSET GREATEST(p_offset, 0);
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

CREATE OR REPLACE FUNCTION report_employee_usage_totals(p_company_id uuid, p_from date, p_to date, p_department text)
  RETURNS TABLE (employee_count integer, active_count integer, consultation_count integer, total_duration_seconds bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  IF NOT COALESCE(report_company_allowed(p_company_id), false) THEN
    RETURN;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  RETURN QUERY EXECUTE $q$
    SELECT count(*)::integer, (count(*) FILTER (WHERE u.is_active))::integer,
           COALESCE(sum(s.consultation_count), 0)::integer, COALESCE(sum(s.total_duration_seconds), 0)::bigint
    FROM employees e
    JOIN LATERAL (SELECT u.is_active, u.deleted_at FROM users u WHERE u.id = e.user_id OFFSET 0) u ON true
    LEFT JOIN LATERAL (SELECT sum(v.consultation_count) AS consultation_count,
                              sum(v.total_duration_seconds) AS total_duration_seconds
                       FROM employee_usage_stats v
                       WHERE v.employee_id = e.id AND v.company_id = $1 AND v.period >= $2 AND v.period < $3) s ON true
    WHERE e.company_id = $1 AND u.deleted_at IS NULL
      AND ($4::text IS NULL OR lower(e.department) = lower($4::text))$q$
    USING p_company_id, p_from, p_to, p_department;
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

REVOKE ALL ON FUNCTION report_employee_usage_page(uuid, date, date, text, integer, integer),
                       report_employee_usage_totals(uuid, date, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_employee_usage_page(uuid, date, date, text, integer, integer),
                          report_employee_usage_totals(uuid, date, date, text) TO huntzen_app;

-- The full per-employee function (R2, the R3/X7 exports, the KPIs) had the same trap: its join with the
-- aggregated view became, for a company with consultations, a nested loop comparing every employee with
-- every counter row. Same result, same checks, with the per-employee lookups above (linear in the company).
CREATE OR REPLACE FUNCTION report_employee_usage(p_company_id uuid, p_from date, p_to date, p_department text, p_employee_id uuid)
  RETURNS TABLE (employee_id uuid, first_name text, last_name text, department text, is_active boolean,
                 consultation_count integer, total_duration_seconds bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
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
    JOIN LATERAL (SELECT u.is_active, u.deleted_at FROM users u WHERE u.id = e.user_id OFFSET 0) u ON true
    LEFT JOIN LATERAL (SELECT sum(v.consultation_count) AS consultation_count,
                              sum(v.total_duration_seconds) AS total_duration_seconds
                       FROM employee_usage_stats v
                       WHERE v.employee_id = e.id AND v.company_id = p_company_id
                         AND v.period >= p_from AND v.period < p_to) s ON true
    WHERE e.company_id = p_company_id AND u.deleted_at IS NULL
      AND (p_employee_id IS NULL OR e.id = p_employee_id)
      AND (p_department IS NULL OR lower(e.department) = lower(p_department));
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

-- The size check of R3/X7 (stream it, or hand it to a job) counted employees joined with users: at
-- 1,000,000 employees the same estimates made it a million primary-key probes, past the 15 s transaction
-- limit of the request (a 500 instead of the CSV). Erased accounts are few: an anti-join with them (hash
-- join only: no per-row probe, no full scan in key order; planned per call) counts the company's employees in one pass.
CREATE OR REPLACE FUNCTION report_company_size(p_company_id uuid, p_department text) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off SET enable_nestloop = off SET enable_mergejoin = off AS $$
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
  n integer;
BEGIN
  IF NOT COALESCE(report_company_allowed(p_company_id), false) THEN
    RETURN 0;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  EXECUTE $q$
    SELECT count(*)::integer FROM employees e
     WHERE e.company_id = $1
       AND ($2::text IS NULL OR lower(e.department) = lower($2::text))
       AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = e.user_id AND u.deleted_at IS NOT NULL)$q$
    INTO n USING p_company_id, p_department;
  PERFORM set_config('app.definer', prev_definer, true);
  RETURN n;
END
$$;
