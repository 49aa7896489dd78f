-- Write guards (issue 10, items 1-3; ARCHITECTURE §4): the database refuses the writes a role should not
-- make, whatever the app code does. RLS decides WHICH ROWS a caller may write; it cannot compare OLD and
-- NEW nor tell one column from another, so the rules below are BEFORE triggers.
-- "System" below means no app context (app.user_id unset): huntzen_system for workers and public token
-- flows, or the owner in migrations. huntzen_app without a context writes nothing anyway (no policy).

-- ════════════════════════ 1. users: credential and security columns ════════════════════════
-- Trigger, not column privileges: the same huntzen_app role must write password_hash on its own row
-- (change password, 2FA) and must not on the rows HR or platform admins may otherwise update
-- (is_active...). A column GRANT cannot tell the two rows apart; a trigger comparing OLD.id with the
-- caller can. Self-service limits (e-mail, activation) stay in users_guard_own_state.
-- refresh_tokens and two_factor_backup_codes are already owner-only (policies *_own, FOR ALL).
CREATE OR REPLACE FUNCTION users_guard_credentials() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF app_user_id() IS NOT NULL AND OLD.id IS DISTINCT FROM app_user_id()
     AND (NEW.id, NEW.email, NEW.email_verified, NEW.email_verified_at, NEW.password_hash,
          NEW.password_changed_at, NEW.two_factor_enabled, NEW.two_factor_secret, NEW.last_login_at,
          NEW.role, NEW.company_id)
         IS DISTINCT FROM
         (OLD.id, OLD.email, OLD.email_verified, OLD.email_verified_at, OLD.password_hash,
          OLD.password_changed_at, OLD.two_factor_enabled, OLD.two_factor_secret, OLD.last_login_at,
          OLD.role, OLD.company_id) THEN
    RAISE EXCEPTION 'only the user itself or the system may change credentials, e-mail, 2FA, role or company of an account'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER users_guard_credentials
  BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION users_guard_credentials();

-- ════════════════════════ 2. consultations: the state machine per role ════════════════════════
-- Mirrors TRANSITIONS in src/modules/consultations/consultation-state.ts (SPEC §6.2-6.4) for app
-- callers; the system role is unrestricted. An app caller may change only the columns its step needs:
--   practitioner: confirm, start, end (billing PENDING -> VALIDATED), no-show, cancel, reschedule, notes;
--   employee:     cancel, reschedule of its own (never billing, notes, room, outcome, times).
-- Server time: the step's timestamp is FORCED to now() (the transaction's time, the same as its
-- consultation_events row) rather than checked within a tolerance: nothing a client sends can move it,
-- and api instances with skewed clocks still agree. Likewise cancelled_by is the caller.
-- Every other column is immutable for app callers, new columns included (fail closed). The parties stay
-- with consultations_before_write (its 23514), durations are derived there from these forced times:
-- this trigger's name sorts before consultation_duration_trigger, and PostgreSQL fires BEFORE triggers
-- of one event in name order.
CREATE OR REPLACE FUNCTION consultations_guard_role_write() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  actor text := app_role();
  step text;
  allowed text[];
  refused text[];
BEGIN
  IF app_user_id() IS NULL THEN
    RETURN NEW;
  END IF;

  IF TG_OP = 'INSERT' THEN
    -- a booking (the insert policy pins the employee, company and SCHEDULED): a fresh row, in the future
    IF NOT NEW.is_billable OR NEW.billing_status <> 'PENDING'
       OR num_nonnulls(NEW.billed_at, NEW.notes, NEW.room_password, NEW.cancelled_at, NEW.cancelled_by,
                       NEW.cancel_reason, NEW.cancelled_within24h, NEW.no_show_at, NEW.no_show_by) > 0
       OR NEW.scheduled_at <= now()
       OR NEW.scheduled_end_at <> NEW.scheduled_at + make_interval(mins => NEW.duration) THEN
      RAISE EXCEPTION 'a booking is a new consultation: no billing, outcome or practitioner fields, in the future'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;

  IF NOT ((actor = 'EMPLOYEE' AND OLD.employee_id = app_employee_id())
          OR (actor = 'PRACTITIONER' AND OLD.practitioner_id = app_practitioner_id())) THEN
    RAISE EXCEPTION 'only the participants may change a consultation' USING ERRCODE = 'insufficient_privilege';
  END IF;

  step := CASE
    WHEN NEW.status = OLD.status THEN CASE WHEN OLD.status = 'SCHEDULED' THEN 'reschedule' ELSE 'none' END
    WHEN OLD.status = 'SCHEDULED' AND NEW.status = 'CONFIRMED' THEN 'confirm'
    WHEN OLD.status IN ('SCHEDULED', 'CONFIRMED') AND NEW.status = 'IN_PROGRESS' THEN 'start'
    WHEN OLD.status = 'IN_PROGRESS' AND NEW.status = 'COMPLETED' THEN 'end'
    WHEN OLD.status IN ('SCHEDULED', 'CONFIRMED') AND NEW.status = 'CANCELLED' THEN 'cancel'
    WHEN OLD.status IN ('SCHEDULED', 'CONFIRMED') AND NEW.status = 'NO_SHOW' THEN 'no_show'
    WHEN OLD.status = 'CONFIRMED' AND NEW.status = 'SCHEDULED' THEN 'reschedule'
  END;
  IF step IS NULL OR (actor = 'EMPLOYEE' AND step NOT IN ('none', 'cancel', 'reschedule')) THEN
    RAISE EXCEPTION 'consultation %: % may not go from % to %', OLD.id, lower(actor), OLD.status, NEW.status
      USING ERRCODE = 'insufficient_privilege';
  END IF;

  -- parties: consultations_before_write; durations: derived there; updated_at: Prisma's @updatedAt
  allowed := ARRAY['status', 'updated_at', 'employee_id', 'practitioner_id', 'company_id',
                   'actual_duration', 'actual_duration_seconds'];
  IF actor = 'PRACTITIONER' THEN
    allowed := allowed || 'notes'::text;
  END IF;
  CASE step
    WHEN 'start' THEN
      NEW.started_at := now();
      allowed := allowed || 'started_at'::text;
    WHEN 'end' THEN
      NEW.ended_at := now();
      allowed := allowed || 'ended_at'::text;
      IF NEW.billing_status IS DISTINCT FROM OLD.billing_status
         AND NOT (OLD.billing_status = 'PENDING' AND NEW.billing_status = 'VALIDATED') THEN
        RAISE EXCEPTION 'ending a consultation may only validate a pending billing status'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      allowed := allowed || 'billing_status'::text;
    WHEN 'cancel' THEN
      NEW.cancelled_at := now();
      NEW.cancelled_by := app_user_id()::text;
      allowed := allowed || ARRAY['cancelled_at', 'cancelled_by', 'cancel_reason', 'cancelled_within24h'];
    WHEN 'no_show' THEN
      IF NEW.no_show_by IS DISTINCT FROM 'employee' AND NEW.no_show_by IS DISTINCT FROM 'practitioner' THEN
        RAISE EXCEPTION 'no_show_by must name the absent party' USING ERRCODE = 'check_violation';
      END IF;
      NEW.no_show_at := now();
      allowed := allowed || ARRAY['no_show_at', 'no_show_by'];
    WHEN 'reschedule' THEN
      IF (NEW.scheduled_at, NEW.scheduled_end_at) IS DISTINCT FROM (OLD.scheduled_at, OLD.scheduled_end_at)
         AND (NEW.scheduled_at <= now()
              OR NEW.scheduled_end_at <> NEW.scheduled_at + make_interval(mins => OLD.duration)) THEN
        RAISE EXCEPTION 'a consultation moves to a future time, for the same duration'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      allowed := allowed || ARRAY['scheduled_at', 'scheduled_end_at', 'blocked_until'];
    ELSE
      NULL; -- confirm, none: nothing but the status (and the practitioner's notes)
  END CASE;

  SELECT array_agg(n.key ORDER BY n.key) INTO refused
    FROM jsonb_each(to_jsonb(NEW)) AS n
   WHERE n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key AND NOT n.key = ANY (allowed);
  IF refused IS NOT NULL THEN
    RAISE EXCEPTION 'consultation %: % may not change % here', OLD.id, lower(actor), array_to_string(refused, ', ')
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER consultation_by_role_trigger
  BEFORE INSERT OR UPDATE ON consultations
  FOR EACH ROW EXECUTE FUNCTION consultations_guard_role_write();

-- ════════════════════════ 3a. messages: authorship and read receipts ════════════════════════
-- The participants' UPDATE policy stays; this trigger decides which participant may change what.
-- consultation_id, sender_id, sender_role and created_at never change, for any role (an author column
-- is never rewritten, ARCHITECTURE §4). For app callers: the content (envelope, attachment, edit and
-- soft-delete flags) only by its sender, read receipts only by the recipient; an insert carries the
-- caller's role as sender_role and starts unread, unedited. The system (key rotation re-wraps
-- envelopes, anonymisation) keeps the rest.
CREATE OR REPLACE FUNCTION messages_guard_write() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  refused text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF app_user_id() IS NOT NULL
       AND (NEW.sender_role::text IS DISTINCT FROM app_role() OR NEW.is_read OR NEW.read_at IS NOT NULL
            OR NEW.is_edited OR NEW.is_deleted) THEN
      RAISE EXCEPTION 'a new message is sent with the caller''s role, unread, unedited'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;

  IF (NEW.consultation_id, NEW.sender_id, NEW.sender_role, NEW.created_at)
     IS DISTINCT FROM (OLD.consultation_id, OLD.sender_id, OLD.sender_role, OLD.created_at) THEN
    RAISE EXCEPTION 'message %: consultation, sender and creation time cannot be changed', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF app_user_id() IS NULL THEN
    RETURN NEW;
  END IF;

  SELECT array_agg(n.key ORDER BY n.key) INTO refused
    FROM jsonb_each(to_jsonb(NEW)) AS n
   WHERE n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key
     AND NOT n.key = ANY (CASE WHEN OLD.sender_id = app_user_id()
                               THEN ARRAY['encrypted_content', 'iv', 'auth_tag', 'encrypted_dek', 'dek_iv',
                                          'dek_auth_tag', 'key_version', 'message_type', 'attachment_url',
                                          'attachment_name', 'attachment_type', 'attachment_size',
                                          'is_edited', 'edited_at', 'is_deleted', 'deleted_at']
                               ELSE ARRAY['is_read', 'read_at'] END);
  IF refused IS NOT NULL THEN
    RAISE EXCEPTION 'message %: % may not be changed by this participant', OLD.id, array_to_string(refused, ', ')
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER messages_guard_write
  BEFORE INSERT OR UPDATE ON messages
  FOR EACH ROW EXECUTE FUNCTION messages_guard_write();

-- ════════════════════════ 3b. availabilities: the private reason ════════════════════════
-- Every signed-in user reads availabilities (slot computation) and RLS filters rows, not columns: the
-- practitioner's reason for an exception moves to its own table, readable and writable by the owning
-- practitioner only. (Column privileges would hide it from the owner too: Prisma selects and RETURNs
-- every column, so each read would need a definer function.)

-- CreateTable
CREATE TABLE "availability_reasons" (
    "availability_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "availability_reasons_pkey" PRIMARY KEY ("availability_id")
);

-- Existing reasons move across. FORCE RLS binds this owner too: lift it for the copy only.
ALTER TABLE availabilities NO FORCE ROW LEVEL SECURITY;
INSERT INTO availability_reasons (availability_id, reason)
  SELECT id, reason FROM availabilities WHERE reason IS NOT NULL AND reason <> '';
ALTER TABLE availabilities FORCE ROW LEVEL SECURITY;

-- AddForeignKey
ALTER TABLE "availability_reasons" ADD CONSTRAINT "availability_reasons_availability_id_fkey" FOREIGN KEY ("availability_id") REFERENCES "availabilities"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AlterTable
ALTER TABLE "availabilities" DROP COLUMN "reason";

ALTER TABLE availability_reasons ENABLE ROW LEVEL SECURITY;
ALTER TABLE availability_reasons FORCE ROW LEVEL SECURITY;
CREATE POLICY availability_reasons_owner_all ON availability_reasons FOR ALL
  USING (EXISTS (SELECT 1 FROM availabilities a
                 WHERE a.id = availability_reasons.availability_id AND a.practitioner_id = (SELECT app_practitioner_id())))
  WITH CHECK (EXISTS (SELECT 1 FROM availabilities a
                      WHERE a.id = availability_reasons.availability_id AND a.practitioner_id = (SELECT app_practitioner_id())));
