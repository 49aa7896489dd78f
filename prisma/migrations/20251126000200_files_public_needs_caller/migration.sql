-- Public files (avatars, covers, logos) are for signed-in users only: without a caller, RLS answers
-- zero rows for every table, files included (fail closed). Downloads already require a token (F2).
DROP POLICY files_shared_select ON files;
CREATE POLICY files_shared_select ON files FOR SELECT
  USING ((SELECT app_user_id()) IS NOT NULL
         AND (is_public
              OR ((SELECT app_role()) = ANY (allowed_roles::text[])
                  AND (company_id IS NULL OR company_id = (SELECT app_company_id()))
                  AND (related_resource IS DISTINCT FROM 'consultation'
                       OR EXISTS (SELECT 1 FROM consultations c
                                  WHERE c.id::text = files.related_id
                                    AND (c.employee_id = (SELECT app_employee_id()) OR c.practitioner_id = (SELECT app_practitioner_id())))))));
