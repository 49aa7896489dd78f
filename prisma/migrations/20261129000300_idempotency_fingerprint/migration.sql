-- Issue 10 item 8: fingerprint of the booking request an Idempotency-Key was first used with, so a reuse of
-- the key with another request answers 422 IDEMPOTENCY_KEY_MISMATCH (draft-ietf-httpapi-idempotency-key-header).
-- Rows booked before this migration keep NULL: a replay of their key cannot be compared and is still replayed.

-- AlterTable
ALTER TABLE "consultations" ADD COLUMN     "request_fingerprint" TEXT;
