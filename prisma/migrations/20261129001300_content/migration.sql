-- AlterTable
ALTER TABLE "companies" ADD COLUMN     "crisis_contacts" JSONB NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "articles" ADD COLUMN     "reading_time_minutes" INTEGER NOT NULL DEFAULT 1;


-- ════════════════════════ Hand-written: blog, company news, crisis contacts (issue 8) ════════════════════════

-- ── French full-text search, accent-insensitive ──
-- unaccent is a trusted extension (the database owner may create it). unaccent() itself is only STABLE
-- (it looks its dictionary up through search_path), so index expressions go through IMMUTABLE wrappers
-- that name the dictionary and the schema explicitly.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE OR REPLACE FUNCTION fr_unaccent(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, value) $$;

-- The one expression both the index and the search query use (they must match for the index to serve).
-- HTML tags are tokens the french configuration does not index.
CREATE OR REPLACE FUNCTION article_search_document(title text, excerpt text, content text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT to_tsvector('french'::regconfig, public.fr_unaccent(coalesce(title, '') || ' ' || coalesce(excerpt, '') || ' ' || coalesce(content, ''))) $$;

DROP INDEX IF EXISTS articles_fulltext_fr_idx;
CREATE INDEX articles_fulltext_fr_idx ON articles USING gin (article_search_document(title, excerpt, content));

-- ── articles: consistency ──
ALTER TABLE articles
  ADD CONSTRAINT articles_published_has_date CHECK (status <> 'PUBLISHED' OR published_at IS NOT NULL),
  ADD CONSTRAINT articles_scheduled_has_date CHECK (status <> 'SCHEDULED' OR scheduled_for IS NOT NULL),
  ADD CONSTRAINT articles_reading_time_positive CHECK (reading_time_minutes >= 1),
  ADD CONSTRAINT articles_counters_non_negative CHECK (view_count >= 0 AND share_count >= 0);
CREATE INDEX articles_scheduled_due_idx ON articles (scheduled_for) WHERE status = 'SCHEDULED';

-- ── articles: who writes what ──
-- Platform admins write articles, as themselves: the author columns are pinned to the caller on insert
-- and, like the counters, can never be updated by the app role (column privileges below).
DROP POLICY articles_platform_all ON articles;
CREATE POLICY articles_platform_select ON articles FOR SELECT
  USING ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'));
CREATE POLICY articles_platform_insert ON articles FOR INSERT
  WITH CHECK ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN')
              AND author_id = (SELECT app_user_id())::text
              AND author_role::text = (SELECT app_role())
              AND view_count = 0 AND share_count = 0);
CREATE POLICY articles_platform_update ON articles FOR UPDATE
  USING ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'))
  WITH CHECK ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'));
CREATE POLICY articles_platform_delete ON articles FOR DELETE
  USING ((SELECT app_role()) IN ('SUPER_ADMIN', 'ADMIN_HUNTZEN'));

REVOKE UPDATE ON articles FROM huntzen_app;
GRANT UPDATE (title, slug, excerpt, content, cover_url, meta_title, meta_description, keywords, category, tags,
              status, published_at, scheduled_for, reading_time_minutes, updated_at) ON articles TO huntzen_app;

-- View counting (B2, B3) is open to anonymous visitors, who may update nothing: a SECURITY DEFINER
-- function increments the counter of a PUBLISHED article only. It runs as the owner, whom FORCE RLS binds
-- too: this owner-only policy opens published rows to it while app.article_view = 'on', which only the
-- function sets (transaction-local; the app role cannot use a policy granted to the owner).
CREATE POLICY articles_view_count_update ON articles FOR UPDATE TO CURRENT_USER
  USING (status = 'PUBLISHED' AND current_setting('app.article_view', true) = 'on');

CREATE OR REPLACE FUNCTION article_record_view(p_slug text) RETURNS integer
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  views integer;
BEGIN
  PERFORM set_config('app.article_view', 'on', true);
  UPDATE articles SET view_count = view_count + 1
    WHERE slug = p_slug AND status = 'PUBLISHED'
    RETURNING view_count INTO views;
  PERFORM set_config('app.article_view', '', true);
  RETURN views; -- NULL: no published article with this slug
END
$$;
REVOKE ALL ON FUNCTION article_record_view(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION article_record_view(text) TO huntzen_app;

-- ── news: company-internal ──
-- HR of the company writes, as itself, only while its company allows internal news; company, author and
-- publication date never change afterwards (column privileges). Employees read only the news of their
-- company that target everyone or their own department.
DROP POLICY news_rh_all ON news;
DROP POLICY news_employee_select ON news;
CREATE POLICY news_rh_select ON news FOR SELECT
  USING ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()));
CREATE POLICY news_rh_insert ON news FOR INSERT
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id())
              AND author_id = (SELECT app_user_id())::text
              AND view_count = 0
              AND EXISTS (SELECT 1 FROM companies c WHERE c.id = news.company_id AND c.allow_internal_news));
CREATE POLICY news_rh_update ON news FOR UPDATE
  USING ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()))
  WITH CHECK ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id())
              AND EXISTS (SELECT 1 FROM companies c WHERE c.id = news.company_id AND c.allow_internal_news));
CREATE POLICY news_rh_delete ON news FOR DELETE
  USING ((SELECT app_role()) = 'ADMIN_RH' AND company_id = (SELECT app_company_id()));
-- (the employee's own row must belong to the news' company too: a context pairing one company's
-- employee with another company id reads nothing)
CREATE POLICY news_employee_select ON news FOR SELECT
  USING ((SELECT app_role()) = 'EMPLOYEE' AND company_id = (SELECT app_company_id())
         AND EXISTS (SELECT 1 FROM employees e
                     WHERE e.id = (SELECT app_employee_id()) AND e.company_id = news.company_id
                       AND (cardinality(news.target_departments) = 0 OR e.department = ANY (news.target_departments))));

REVOKE UPDATE ON news FROM huntzen_app;
GRANT UPDATE (title, content, image_url, target_departments, updated_at) ON news TO huntzen_app;

-- ── companies.crisis_contacts ──
-- Written through the existing companies policies (HR of that company, platform admins); the app
-- validates each entry, the database bounds the shape.
ALTER TABLE companies
  ADD CONSTRAINT companies_crisis_contacts_list CHECK (jsonb_typeof(crisis_contacts) = 'array' AND jsonb_array_length(crisis_contacts) <= 10);

-- ── employees: department and position are HR data ──
-- News targeting (news_employee_select) trusts employees.department: an employee editing its own profile
-- (employees_self_update) must not move itself into another department, nor change its position.
CREATE OR REPLACE FUNCTION employees_guard_hr_fields() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF app_role() = 'EMPLOYEE'
     AND (NEW.department, NEW.position) IS DISTINCT FROM (OLD.department, OLD.position) THEN
    RAISE EXCEPTION 'an employee may not change its own department or position'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER employees_guard_hr_fields
  BEFORE UPDATE ON employees
  FOR EACH ROW EXECUTE FUNCTION employees_guard_hr_fields();
