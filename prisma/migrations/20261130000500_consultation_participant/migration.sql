-- AccessService.consultationParticipant in one prepared round trip, with the two participants' display
-- profiles, for the realtime hot path (issue 7): a chat room is re-checked every few seconds while it is
-- used, and that check through Prisma (two relation queries, planned again at every call: 10–40 ms of
-- planning in PostgreSQL on the bench machine) stalled a conversation at 200 messages/s for 50–100 ms each
-- time. Same rule as AccessService.participantWhere — the consultation whose employee (EMPLOYEE) or
-- practitioner (PRACTITIONER) is the caller's own profile id, that profile being the caller user's (the whole
-- context binds, as in the messages policies) — under the caller's RLS (SECURITY INVOKER, context first, as
-- chat_post_message). NULL for anyone else: not a participant, another role, no caller.
-- Called in autocommit: the context ends with the statement.
CREATE OR REPLACE FUNCTION consultation_participant(
    p_user_id text, p_role text, p_company_id text, p_employee_id text, p_practitioner_id text, p_consultation_id uuid)
  RETURNS json LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET plan_cache_mode = force_generic_plan AS $$
DECLARE
  found json;
BEGIN
  PERFORM app_set_caller(p_user_id, p_role, p_company_id, p_employee_id, p_practitioner_id);
  SELECT json_build_object(
           'id', c.id, 'status', c.status, 'format', c.format, 'scheduledAt', c.scheduled_at,
           'scheduledEndAt', c.scheduled_end_at, 'startedAt', c.started_at, 'endedAt', c.ended_at,
           'employeeId', c.employee_id, 'practitionerId', c.practitioner_id,
           'employee', json_build_object('userId', e.user_id, 'id', e.id, 'firstName', e.first_name,
                                         'lastName', e.last_name, 'avatarUrl', e.avatar_url),
           'practitioner', json_build_object('userId', p.user_id, 'id', p.id, 'firstName', p.first_name,
                                             'lastName', p.last_name, 'avatarUrl', p.avatar_url))
    INTO found
    FROM consultations c
    JOIN employees e ON e.id = c.employee_id
    JOIN practitioners p ON p.id = c.practitioner_id
   WHERE c.id = p_consultation_id
     AND ((p_role = 'EMPLOYEE' AND c.employee_id = NULLIF(p_employee_id, '')::uuid AND e.user_id = NULLIF(p_user_id, '')::uuid)
          OR (p_role = 'PRACTITIONER' AND c.practitioner_id = NULLIF(p_practitioner_id, '')::uuid AND p.user_id = NULLIF(p_user_id, '')::uuid));
  RETURN found;
END
$$;

REVOKE ALL ON FUNCTION consultation_participant(text, text, text, text, text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION consultation_participant(text, text, text, text, text, uuid) TO huntzen_app;
