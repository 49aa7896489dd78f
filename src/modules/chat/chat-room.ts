import type { ConsultationAccess, ParticipantProfile } from '../access/access.service.js';

/** The two participants' display profiles, by user id (sender names of the messages). */
export type Profiles = Map<string, ParticipantProfile>;

/**
 * What `chat:join` checked for one socket and conversation: participation, status and the two profiles.
 * A socket's `chat:message` reuses it for ROOM_TTL_MS instead of re-reading it for every message; the
 * database stays the authority (RLS refuses a message from a non-participant or into a CANCELLED/NO_SHOW
 * consultation), and a refused insert re-reads the room to answer with the right error.
 */
export interface ChatRoom {
  access: ConsultationAccess;
  profiles: Profiles;
  /** when the check that produced `access` and `profiles` started */
  at: number;
  /** the re-check in flight, shared by every message that needs it */
  checking?: Promise<void>;
}

export const ROOM_TTL_MS = 10_000;

/** `room` is for this consultation and was checked less than ROOM_TTL_MS ago. */
export function isFresh(room: ChatRoom, consultationId: string, now = Date.now()): boolean {
  return room.access.id === consultationId && now - room.at < ROOM_TTL_MS;
}

/** A check's outcome replaces the room's, unless a check that started later already did. */
export function adopt(room: ChatRoom, checked: ChatRoom): void {
  if (checked.at >= room.at) Object.assign(room, { access: checked.access, profiles: checked.profiles, at: checked.at });
}

/**
 * The room as checked less than ROOM_TTL_MS ago, else checked again by `check` (and refreshed in place).
 * Past half its life a room is re-checked in the background while messages go on with it, so a live
 * conversation never waits for the check; and there is only ever one check per room in flight: when every
 * message that found the room expired checked it again, a conversation at 200 messages/s started a dozen
 * checks at once and stalled its instance for 50–100 ms (`npm run bench -- realtime`, session 7).
 */
export async function freshRoom(
  room: ChatRoom | undefined,
  consultationId: string,
  check: () => Promise<ChatRoom>,
  now = Date.now(),
): Promise<{ room: ChatRoom; cached: boolean }> {
  if (!room || room.access.id !== consultationId) return { room: await check(), cached: false };
  const age = now - room.at;
  if (age < ROOM_TTL_MS) {
    if (age >= ROOM_TTL_MS / 2) recheck(room, check).catch(() => undefined);
    return { room, cached: true };
  }
  await recheck(room, check);
  return { room, cached: false };
}

/** One re-check of `room` at a time. A refusal (no longer a participant) expires it: the next message checks, and is refused, on its own. */
function recheck(room: ChatRoom, check: () => Promise<ChatRoom>): Promise<void> {
  room.checking ??= check()
    .then(
      (checked) => adopt(room, checked),
      (e: unknown) => {
        room.at = 0;
        throw e;
      },
    )
    .finally(() => {
      room.checking = undefined;
    });
  return room.checking;
}
