import type { Socket } from 'socket.io-client';

/** Emits `event` and resolves with the server's acknowledgement. */
export function emitAck<T = any>(socket: Socket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(10_000).emitWithAck(event, ...args) as Promise<T>;
}

/** Resolves with the reason when the server closes `socket` (fails after `timeoutMs`). */
export function disconnected(socket: Socket, timeoutMs = 10_000): Promise<string> {
  if (socket.disconnected) return Promise.resolve('already');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket still connected after ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** Records every event `socket` receives (to assert later that nothing unwanted arrived). */
export function recordAll(socket: Socket): { events: { event: string; payload: any }[] } {
  const log = { events: [] as { event: string; payload: any }[] };
  socket.onAny((event, payload) => log.events.push({ event, payload }));
  return log;
}

/**
 * An ordering barrier on one connection: events sent to `socket` before this round trip's answer arrive
 * before it, so a later assertion that nothing arrived does not depend on timing.
 */
export async function barrier(socket: Socket): Promise<void> {
  await emitAck(socket, 'presence:get', {});
}

/** Polls `fn` until it holds (for state outside any socket, e.g. Redis), failing after `timeoutMs`. */
export async function eventually(fn: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
