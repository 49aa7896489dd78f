-- Issue 11: indexes for the hot queries (audit_logs indexes are owned elsewhere and left alone).

-- Notifications list and unread counter: WHERE user_id = ? [AND is_read = ?] ORDER BY created_at DESC.
CREATE INDEX IF NOT EXISTS notifications_user_id_is_read_created_at_idx ON notifications (user_id, is_read, created_at DESC);

-- A practitioner's rules of one day (booking check) and of a period (slots, search).
CREATE INDEX IF NOT EXISTS availabilities_practitioner_id_type_day_of_week_idx ON availabilities (practitioner_id, type, day_of_week) WHERE is_active;
