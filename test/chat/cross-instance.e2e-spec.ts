// Two real api processes on the same database and Redis (the Socket.IO Redis adapter): a message, a
// typing event, a read receipt and a REST message cross from a client on instance A to a client on
// instance B, and the offline check sees a recipient joined on the other instance.
import { PrismaClient } from '@prisma/client';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Socket } from 'socket.io-client';
import { bearer, signAccessToken } from '../helpers/fixtures.js';
import { buildOnce, freePort, startProcess, type RunningProcess } from '../helpers/processes.js';
import { connectSocket, nextEvent } from '../helpers/sockets.js';
import { TEST_SECRETS } from '../helpers/test-app.js';
import { ack, createPair } from './helpers.js';

const PROCESS_MS = 240_000;

async function eventually(fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('chat across two api instances', () => {
  let db: PrismaClient;
  const procs: RunningProcess[] = [];
  const instances: { http: string; ws: string }[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.SYSTEM_DATABASE_URL!, max: 2 }) });
    await buildOnce();
    const prefix = `x${process.pid}${Date.now() % 100000}`;
    for (let i = 0; i < 2; i++) {
      const [port, wsPort] = [await freePort(), await freePort()];
      const proc = startProcess('main', {
        ...TEST_SECRETS,
        NODE_ENV: 'test',
        APP_DATABASE_URL: process.env.APP_DATABASE_URL!,
        SYSTEM_DATABASE_URL: process.env.SYSTEM_DATABASE_URL!,
        REDIS_URL: process.env.REDIS_URL!,
        REDIS_PREFIX: prefix, // shared: one Socket.IO adapter channel for both instances
        PORT: String(port),
        WS_PORT: String(wsPort),
        WORKER_EMBEDDED: 'false',
        FRONTEND_URL: 'http://app.huntzen.test',
        THROTTLE_LIMIT: '100000',
        CHAT_NOTIFY_COOLDOWN_SECONDS: '0',
        LOG_LEVEL: 'warn',
      });
      procs.push(proc);
      instances.push({ http: `http://127.0.0.1:${port}`, ws: `http://127.0.0.1:${wsPort}` });
    }
    for (const inst of instances) await eventually(async () => (await fetch(`${inst.http}/health`).catch(() => null))?.status === 200, PROCESS_MS);
  }, PROCESS_MS + 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all(procs.map((p) => p.stop('SIGTERM', 30_000)));
    await db?.$disconnect();
  }, 60_000);

  it('message, typing, read receipt and a REST message cross from A to B; the offline check spans instances', async () => {
    const [A, B] = instances;
    const p = await createPair(db);
    const onA = await connectSocket(A.ws, '/chat', signAccessToken(p.employee));
    const onB = await connectSocket(B.ws, '/chat', signAccessToken(p.practitioner));
    sockets.push(onA, onB);
    expect(await ack(onA, 'chat:join', { consultationId: p.consultationId })).toMatchObject({ ok: true });
    expect(await ack(onB, 'chat:join', { consultationId: p.consultationId })).toMatchObject({ ok: true });

    const received = nextEvent<any>(onB, 'chat:message:received');
    const sent = await ack(onA, 'chat:message', { consultationId: p.consultationId, content: 'de A vers B' });
    expect(sent).toMatchObject({ ok: true });
    expect(await received).toMatchObject({ id: sent.messageId, content: 'de A vers B', senderId: p.employee.id });

    const typing = nextEvent<any>(onB, 'chat:typing');
    expect(await ack(onA, 'chat:typing', { consultationId: p.consultationId, isTyping: true })).toEqual({ ok: true });
    expect(await typing).toEqual({ userId: p.employee.id, consultationId: p.consultationId, isTyping: true });

    const receipt = nextEvent<any>(onA, 'chat:message:read');
    expect(await ack(onB, 'chat:read', { messageId: sent.messageId })).toMatchObject({ ok: true });
    expect(await receipt).toMatchObject({ messageId: sent.messageId, readBy: p.practitioner.id });

    // REST on A reaches the socket on B
    const viaRest = nextEvent<any>(onB, 'chat:message:received');
    const res = await fetch(`${A.http}/api/chat/${p.consultationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(signAccessToken(p.employee)) },
      body: JSON.stringify({ content: 'par REST' }),
    });
    expect(res.status).toBe(201);
    expect(await viaRest).toMatchObject({ content: 'par REST' });

    // the practitioner is joined on B only: A must see it and record no notification; once it left, it does
    const outbox = (messageId: string) => db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox_messages WHERE payload->'metadata'->>'messageId' = ${messageId}`;
    expect(await ack(onB, 'chat:leave', { consultationId: p.consultationId })).toMatchObject({ ok: true });
    const offline = await ack(onA, 'chat:message', { consultationId: p.consultationId, content: 'absent' });
    await eventually(async () => (await outbox(offline.messageId))[0].n === 1);
    expect((await outbox(sent.messageId))[0].n).toBe(0);
  }, 120_000);
});
