-- R1 without a pass over the company per request (issue 9 bench: 10,000 employees, 1,000,000 consultations).
-- report_employee_usage_totals() looked up every employee of the company (user by primary key, counters
-- through the view's unique index) on every page: about 20,000 index probes, most of R1's time. Its four
-- numbers now come from two small relations, read through the company's key (a few dozen rows):
--  * report_headcounts: per company and department (case-folded), the employee rows, the accounts not
--    erased and the active ones among them (the threshold population). Live and exact: kept by statement
--    triggers on employees and users (one upsert per department touched by a statement, whatever its size),
--    so a deactivation or an erasure moves the threshold at once, as before.
--  * employee_usage_totals: per company, department (case-folded) and month, the counters of
--    employee_usage_stats summed over the employees not erased. A materialized view refreshed CONCURRENTLY
--    by refresh_employee_stats() in the same transaction as employee_usage_stats (every 6 h, on demand, after
--    a consultation ends): readers never wait and always see the two views of the same refresh. The counters
--    were already only as fresh as employee_usage_stats; what this adds is that an employee's department and
--    erasure count for the sums as of the last refresh (the headcounts stay live; the erasure job asks for
--    a refresh).
-- report_company_size() (R3/X7: stream or job?) reads the headcounts too, and the department check of the
-- reports asks them whether the department exists instead of listing the company's departments.

-- ───────────────────────────── owner-only policies (gated, as in 20261129002300) ─────────────────────────────
CREATE POLICY users_stats_refresh ON users FOR SELECT TO CURRENT_USER
  USING (current_setting('app.stats_refresh', true) = 'on');
CREATE POLICY employees_definer_headcount ON employees FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'headcount');
CREATE POLICY users_definer_headcount ON users FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'headcount');

-- ───────────────────────────── live headcounts ─────────────────────────────
-- department_key: lower(department), '' with has_department = false when the employee has none (a plain
-- key without NULLs, for ON CONFLICT). Rows reaching zero stay (a handful per company).
CREATE TABLE report_headcounts (
  company_id     uuid    NOT NULL,
  has_department boolean NOT NULL,
  department_key text    NOT NULL,
  row_count      integer NOT NULL DEFAULT 0, -- employee rows, erased accounts included
  employee_count integer NOT NULL DEFAULT 0, -- accounts not erased
  active_count   integer NOT NULL DEFAULT 0, -- active accounts not erased: the threshold population
  CONSTRAINT report_headcounts_pkey PRIMARY KEY (company_id, has_department, department_key)
);
ALTER TABLE report_headcounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_headcounts FORCE ROW LEVEL SECURITY;
-- No policy for anyone but the owner, and the owner only inside the functions below: the app role has no
-- privilege on the table at all (it reads four numbers through report_employee_usage_totals()); the system
-- role may read it (backups), never write it.
CREATE POLICY report_headcounts_definer_read ON report_headcounts FOR SELECT TO CURRENT_USER
  USING (current_setting('app.definer', true) IN ('reports', 'headcount'));
CREATE POLICY report_headcounts_definer_write ON report_headcounts FOR ALL TO CURRENT_USER
  USING (current_setting('app.definer', true) = 'headcount')
  WITH CHECK (current_setting('app.definer', true) = 'headcount');
REVOKE ALL ON report_headcounts FROM PUBLIC, huntzen_app, huntzen_system;
-- the S5 backup dumps every table as the system role (as it reads the views): read only
GRANT SELECT ON report_headcounts TO huntzen_system;

-- Employees inserted, updated (company, department, account) or deleted: the deltas of the statement,
-- summed per department, applied in key order (concurrent writers lock the rows in the same order).
CREATE OR REPLACE FUNCTION report_headcounts_employees() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  PERFORM set_config('app.definer', 'headcount', true);
  IF TG_OP = 'INSERT' THEN
    INSERT INTO report_headcounts AS h (company_id, has_department, department_key, row_count, employee_count, active_count)
    SELECT d.company_id, d.department IS NOT NULL, COALESCE(lower(d.department), ''), count(*),
           count(*) FILTER (WHERE u.deleted_at IS NULL), count(*) FILTER (WHERE u.deleted_at IS NULL AND u.is_active)
      FROM new_rows d JOIN users u ON u.id = d.user_id
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (company_id, has_department, department_key) DO UPDATE
      SET row_count = h.row_count + EXCLUDED.row_count, employee_count = h.employee_count + EXCLUDED.employee_count,
          active_count = h.active_count + EXCLUDED.active_count;
  ELSIF TG_OP = 'DELETE' THEN
    -- an employee deleted with its user (cascade) was already taken off by report_headcounts_user_deleted():
    -- its user is gone here, so the join skips it
    INSERT INTO report_headcounts AS h (company_id, has_department, department_key, row_count, employee_count, active_count)
    SELECT d.company_id, d.department IS NOT NULL, COALESCE(lower(d.department), ''), -count(*),
           -count(*) FILTER (WHERE u.deleted_at IS NULL), -count(*) FILTER (WHERE u.deleted_at IS NULL AND u.is_active)
      FROM old_rows d JOIN users u ON u.id = d.user_id
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (company_id, has_department, department_key) DO UPDATE
      SET row_count = h.row_count + EXCLUDED.row_count, employee_count = h.employee_count + EXCLUDED.employee_count,
          active_count = h.active_count + EXCLUDED.active_count;
  ELSE
    INSERT INTO report_headcounts AS h (company_id, has_department, department_key, row_count, employee_count, active_count)
    SELECT x.company_id, x.has_department, x.department_key, sum(x.r), sum(x.e), sum(x.a)
      FROM (SELECT d.company_id, d.department IS NOT NULL AS has_department, COALESCE(lower(d.department), '') AS department_key,
                   1 AS r, (u.deleted_at IS NULL)::integer AS e, (u.deleted_at IS NULL AND u.is_active)::integer AS a
              FROM new_rows d JOIN users u ON u.id = d.user_id
            UNION ALL
            SELECT d.company_id, d.department IS NOT NULL, COALESCE(lower(d.department), ''),
                   -1, -(u.deleted_at IS NULL)::integer, -(u.deleted_at IS NULL AND u.is_active)::integer
              FROM old_rows d JOIN users u ON u.id = d.user_id) x
     GROUP BY 1, 2, 3
    HAVING sum(x.r) <> 0 OR sum(x.e) <> 0 OR sum(x.a) <> 0
     ORDER BY 1, 2, 3
    ON CONFLICT (company_id, has_department, department_key) DO UPDATE
      SET row_count = h.row_count + EXCLUDED.row_count, employee_count = h.employee_count + EXCLUDED.employee_count,
          active_count = h.active_count + EXCLUDED.active_count;
  END IF;
  PERFORM set_config('app.definer', prev_definer, true);
  RETURN NULL;
END
$$;

-- Accounts activated, deactivated or erased: their employee rows move between the counts.
CREATE OR REPLACE FUNCTION report_headcounts_users() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  PERFORM set_config('app.definer', 'headcount', true);
  INSERT INTO report_headcounts AS h (company_id, has_department, department_key, row_count, employee_count, active_count)
  SELECT e.company_id, e.department IS NOT NULL, COALESCE(lower(e.department), ''), 0,
         sum((n.deleted_at IS NULL)::integer - (o.deleted_at IS NULL)::integer),
         sum((n.deleted_at IS NULL AND n.is_active)::integer - (o.deleted_at IS NULL AND o.is_active)::integer)
    FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN employees e ON e.user_id = n.id
   WHERE n.is_active IS DISTINCT FROM o.is_active OR (n.deleted_at IS NULL) <> (o.deleted_at IS NULL)
   GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (company_id, has_department, department_key) DO UPDATE
    SET employee_count = h.employee_count + EXCLUDED.employee_count, active_count = h.active_count + EXCLUDED.active_count;
  PERFORM set_config('app.definer', prev_definer, true);
  RETURN NULL;
END
$$;

-- A user deleted outright: its employee row is about to go by cascade, after the user (see above).
CREATE OR REPLACE FUNCTION report_headcounts_user_deleted() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
BEGIN
  PERFORM set_config('app.definer', 'headcount', true);
  INSERT INTO report_headcounts AS h (company_id, has_department, department_key, row_count, employee_count, active_count)
  SELECT e.company_id, e.department IS NOT NULL, COALESCE(lower(e.department), ''), -count(*),
         -count(*) FILTER (WHERE OLD.deleted_at IS NULL), -count(*) FILTER (WHERE OLD.deleted_at IS NULL AND OLD.is_active)
    FROM employees e WHERE e.user_id = OLD.id
   GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (company_id, has_department, department_key) DO UPDATE
    SET row_count = h.row_count + EXCLUDED.row_count, employee_count = h.employee_count + EXCLUDED.employee_count,
        active_count = h.active_count + EXCLUDED.active_count;
  PERFORM set_config('app.definer', prev_definer, true);
  RETURN OLD;
END
$$;
REVOKE ALL ON FUNCTION report_headcounts_employees(), report_headcounts_users(), report_headcounts_user_deleted() FROM PUBLIC;

CREATE TRIGGER employees_report_headcounts_insert AFTER INSERT ON employees
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_headcounts_employees();
CREATE TRIGGER employees_report_headcounts_update AFTER UPDATE ON employees
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_headcounts_employees();
CREATE TRIGGER employees_report_headcounts_delete AFTER DELETE ON employees
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_headcounts_employees();
CREATE TRIGGER users_report_headcounts_update AFTER UPDATE ON users
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_headcounts_users();
CREATE TRIGGER users_report_headcounts_delete BEFORE DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION report_headcounts_user_deleted();

-- the employees of today (session-level setting for this script only, reset below)
SELECT set_config('app.definer', 'headcount', false);
INSERT INTO report_headcounts (company_id, has_department, department_key, row_count, employee_count, active_count)
SELECT e.company_id, e.department IS NOT NULL, COALESCE(lower(e.department), ''), count(*),
       count(*) FILTER (WHERE u.deleted_at IS NULL), count(*) FILTER (WHERE u.deleted_at IS NULL AND u.is_active)
  FROM employees e JOIN users u ON u.id = e.user_id
 GROUP BY 1, 2, 3;
SELECT set_config('app.definer', '', false);

-- ───────────────────────────── counters per company, department and month ─────────────────────────────
SELECT set_config('app.stats_refresh', 'on', false);
-- Department and company as employee_usage_stats recorded them in the same refresh; erased accounts out. The
-- owner's FORCE RLS makes the planner believe employees and users hold 1-2 rows: a join with them was planned
-- as a nested loop scanning the view once per employee (140 s for 50,000 consultations); a lateral lookup by
-- primary key per counter row (OFFSET 0: never turned into a join) costs the same whatever the estimates.
CREATE MATERIALIZED VIEW employee_usage_totals AS
SELECT v.company_id,
       v.department IS NOT NULL              AS has_department,
       COALESCE(lower(v.department), '')     AS department_key,
       v.period,
       sum(v.consultation_count)::bigint     AS consultation_count,
       sum(v.total_duration_seconds)::bigint AS total_duration_seconds
FROM employee_usage_stats v
CROSS JOIN LATERAL (SELECT u.deleted_at FROM employees e JOIN users u ON u.id = e.user_id WHERE e.id = v.employee_id OFFSET 0) a
WHERE v.period IS NOT NULL AND a.deleted_at IS NULL
GROUP BY 1, 2, 3, 4;
SELECT set_config('app.stats_refresh', '', false);
CREATE UNIQUE INDEX employee_usage_totals_key ON employee_usage_totals (company_id, has_department, department_key, period);
REVOKE ALL ON employee_usage_totals FROM PUBLIC, huntzen_app, huntzen_system;
GRANT SELECT ON employee_usage_totals TO huntzen_system;

-- one transaction, both views: a reader sees the per-employee counters and their sums of the same refresh
CREATE OR REPLACE FUNCTION refresh_employee_stats() RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM set_config('app.stats_refresh', 'on', true);
  REFRESH MATERIALIZED VIEW CONCURRENTLY employee_usage_stats;
  REFRESH MATERIALIZED VIEW CONCURRENTLY employee_usage_totals;
  PERFORM set_config('app.stats_refresh', '', true);
END
$$;

-- ───────────────────────────── the report functions ─────────────────────────────
-- Same signature, scope and checks; a few dozen rows read by key instead of a pass over the company.
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
  RETURN QUERY
    SELECT COALESCE(h.employee_count, 0)::integer, COALESCE(h.active_count, 0)::integer,
           COALESCE(t.consultation_count, 0)::integer, COALESCE(t.total_duration_seconds, 0)::bigint
    FROM (SELECT sum(x.employee_count) AS employee_count, sum(x.active_count) AS active_count
            FROM report_headcounts x
           WHERE x.company_id = p_company_id
             AND (p_department IS NULL OR (x.has_department AND x.department_key = lower(p_department)))) h
    CROSS JOIN
         (SELECT sum(m.consultation_count) AS consultation_count, sum(m.total_duration_seconds) AS total_duration_seconds
            FROM employee_usage_totals m
           WHERE m.company_id = p_company_id AND m.period >= p_from AND m.period < p_to
             AND (p_department IS NULL OR (m.has_department AND m.department_key = lower(p_department)))) t;
  PERFORM set_config('app.definer', prev_definer, true);
END
$$;

CREATE OR REPLACE FUNCTION report_company_size(p_company_id uuid, p_department text) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
  n integer;
BEGIN
  IF NOT COALESCE(report_company_allowed(p_company_id), false) THEN
    RETURN 0;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  SELECT COALESCE(sum(x.employee_count), 0)::integer INTO n
    FROM report_headcounts x
   WHERE x.company_id = p_company_id
     AND (p_department IS NULL OR (x.has_department AND x.department_key = lower(p_department)));
  PERFORM set_config('app.definer', prev_definer, true);
  RETURN n;
END
$$;

-- The department as one of the company's employee records spells it (case-insensitive match, erased
-- accounts' records included, as report_company_departments()), or NULL: "unknown department". Whether the
-- department exists comes from the headcounts (by key); only then are the employees read, up to the first
-- record of it. (No index can serve lower(department) here: under the owner's FORCE RLS a condition with a
-- function that is not leakproof is evaluated after the policies, never as an index condition.)
CREATE OR REPLACE FUNCTION report_company_department(p_company_id uuid, p_department text) RETURNS text
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
DECLARE
  prev_definer text := COALESCE(current_setting('app.definer', true), '');
  d text;
BEGIN
  IF p_department IS NULL OR NOT COALESCE(report_company_allowed(p_company_id), false) THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('app.definer', 'reports', true);
  IF EXISTS (SELECT 1 FROM report_headcounts x
              WHERE x.company_id = p_company_id AND x.has_department AND x.department_key = lower(p_department) AND x.row_count > 0) THEN
    SELECT e.department INTO d FROM employees e
     WHERE e.company_id = p_company_id AND lower(e.department) = lower(p_department) LIMIT 1;
  END IF;
  PERFORM set_config('app.definer', prev_definer, true);
  RETURN d;
END
$$;
REVOKE ALL ON FUNCTION report_company_department(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_company_department(uuid, text) TO huntzen_app;
