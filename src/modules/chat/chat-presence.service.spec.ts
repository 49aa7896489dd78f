import type { Namespace } from 'socket.io';
import { ChatPresence } from './chat-presence.service.js';

/** A /chat namespace with no local socket, whose cross-instance fetchSockets the test counts and settles. */
function setup() {
  const asks: ((users: string[]) => void)[] = [];
  const fetchSockets = vi.fn(() => new Promise<{ data: unknown }[]>((resolve) => asks.push((users) => resolve(users.map((userId) => ({ data: { identity: { userId } } }))))));
  const namespace = {
    adapter: { rooms: new Map() },
    sockets: new Map(),
    in: () => ({ fetchSockets }),
    on: () => undefined,
    serverSideEmit: (_event: string, _payload: unknown, ack: () => void) => ack(),
  } as unknown as Namespace;
  const presence = new ChatPresence();
  presence.attach(namespace);
  return { presence, fetchSockets, asks };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('ChatPresence.isJoined: one round of requests per room and user at a time', () => {
  it('messages sent while the instances are asked share the answer, which is then remembered', async () => {
    const { presence, fetchSockets, asks } = setup();
    const answers = Array.from({ length: 20 }, () => presence.isJoined('c1', 'u2'));
    await settle();
    expect(fetchSockets).toHaveBeenCalledTimes(1);
    asks[0](['u2']);
    expect(await Promise.all(answers)).toEqual(Array(20).fill(true));
    expect(await presence.isJoined('c1', 'u2')).toBe(true);
    expect(fetchSockets).toHaveBeenCalledTimes(1);
  });

  it('a departure during the round: that answer is not remembered, and the next message asks afresh', async () => {
    const { presence, fetchSockets, asks } = setup();
    const before = presence.isJoined('c1', 'u2');
    await settle();
    await presence.left('c1', 'u2', { wait: true });
    const after = presence.isJoined('c1', 'u2');
    await settle();
    expect(fetchSockets).toHaveBeenCalledTimes(2);
    asks[1]([]);
    expect(await after).toBe(false);
    asks[0](['u2']); // the round started before the departure, answered last, still saw the socket
    expect(await before).toBe(true);
    const next = presence.isJoined('c1', 'u2');
    await settle();
    expect(fetchSockets).toHaveBeenCalledTimes(3);
    asks[2]([]);
    expect(await next).toBe(false);
  });
});
