import type { ConsultationAccess } from '../access/access.service.js';
import { type ChatRoom, freshRoom, isFresh, ROOM_TTL_MS } from './chat-room.js';

const access = (status: string) => ({ id: 'c1', status }) as unknown as ConsultationAccess;
const room = (at: number, status = 'CONFIRMED'): ChatRoom => ({ access: access(status), profiles: new Map(), at });

/** A check the test settles by hand, counting how many were started. */
function checks() {
  const started: { resolve: (r: ChatRoom) => void; reject: (e: Error) => void }[] = [];
  const check = () => new Promise<ChatRoom>((resolve, reject) => started.push({ resolve, reject }));
  return { started, check };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('freshRoom: a chat room re-checked at most once at a time, ahead of its expiry', () => {
  const T = 1_000_000;

  it('a room younger than half its life is used as it is, without a check', async () => {
    const { started, check } = checks();
    const r = room(T);
    expect(await freshRoom(r, 'c1', check, T + ROOM_TTL_MS / 2 - 1)).toEqual({ room: r, cached: true });
    expect(started).toHaveLength(0);
  });

  it('past half its life: every message goes on with it at once, and one check runs in the background', async () => {
    const { started, check } = checks();
    const r = room(T);
    const now = T + ROOM_TTL_MS / 2;
    const answers = await Promise.all(Array.from({ length: 20 }, () => freshRoom(r, 'c1', check, now)));
    expect(answers.every((a) => a.cached && a.room === r)).toBe(true);
    expect(started).toHaveLength(1);
    started[0].resolve(room(now, 'IN_PROGRESS'));
    await settle();
    expect(r).toMatchObject({ at: now, access: { status: 'IN_PROGRESS' }, checking: undefined });
    expect(isFresh(r, 'c1', now + ROOM_TTL_MS - 1)).toBe(true);
    // the next half-life starts the next check, not before
    await freshRoom(r, 'c1', check, now + 1);
    expect(started).toHaveLength(1);
  });

  it('expired: the messages wait for one shared check and all get its outcome', async () => {
    const { started, check } = checks();
    const r = room(T);
    const waiting = Array.from({ length: 20 }, () => freshRoom(r, 'c1', check, T + ROOM_TTL_MS));
    await settle();
    expect(started).toHaveLength(1);
    started[0].resolve(room(T + ROOM_TTL_MS, 'COMPLETED'));
    const answers = await Promise.all(waiting);
    expect(answers.every((a) => !a.cached && a.room === r && a.room.access.status === 'COMPLETED')).toBe(true);
  });

  it('a refused check expires the room: the waiting messages and the next one are refused', async () => {
    const { started, check } = checks();
    const r = room(T);
    // refused in the background: the messages meanwhile went on (the database still decides their insert)
    expect((await freshRoom(r, 'c1', check, T + ROOM_TTL_MS / 2)).cached).toBe(true);
    started[0].reject(new Error('NOT_FOUND'));
    await settle();
    expect(r.at).toBe(0);
    const next = freshRoom(r, 'c1', check, T + ROOM_TTL_MS / 2 + 1);
    await settle();
    expect(started).toHaveLength(2);
    started[1].reject(new Error('NOT_FOUND'));
    await expect(next).rejects.toThrow('NOT_FOUND');
  });

  it('a check that started earlier never overwrites a later one', async () => {
    const { started, check } = checks();
    const r = room(T);
    void freshRoom(r, 'c1', check, T + ROOM_TTL_MS / 2);
    // meanwhile the room was checked afresh by someone else (a refused insert re-checks on its own)
    Object.assign(r, { at: T + ROOM_TTL_MS / 2 + 10, access: access('CANCELLED') });
    started[0].resolve(room(T + ROOM_TTL_MS / 2, 'CONFIRMED'));
    await settle();
    expect(r.access.status).toBe('CANCELLED');
  });

  it('another consultation, or no room yet: checked, never taken from the cache', async () => {
    const { started, check } = checks();
    const p = freshRoom(room(T), 'c2', check, T);
    await settle();
    started[0].resolve(room(T));
    expect((await p).cached).toBe(false);
    const q = freshRoom(undefined, 'c1', check, T);
    await settle();
    started[1].resolve(room(T));
    expect((await q).cached).toBe(false);
  });
});
