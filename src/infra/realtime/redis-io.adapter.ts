import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, ServerOptions } from 'socket.io';
import { instanceId } from '../lifecycle/drain.js';
import { closeRedis, closeStep } from '../lifecycle/shutdown.js';
import { watchConnection } from '../redis/redis.module.js';

/**
 * One Socket.IO server on WS_PORT for every gateway namespace (/chat, /audio-call, /notifications),
 * wired to the Redis adapter so a broadcast reaches sockets held by any api instance (ARCHITECTURE §6).
 */
export class RedisIoAdapter extends IoAdapter {
  private server?: Server;
  private pub?: Redis;
  private sub?: Redis;

  constructor(
    app: INestApplicationContext,
    private readonly opts: { port: number; redisUrl: string; prefix: string; origins: string[] },
  ) {
    super(app);
  }

  get port(): number | undefined {
    const address = this.server?.httpServer?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  override createIOServer(_port: number, options?: ServerOptions): Server {
    if (this.server) return this.server;
    this.pub = new Redis(this.opts.redisUrl, { maxRetriesPerRequest: null });
    this.sub = this.pub.duplicate();
    const logger = new Logger('SocketAdapter');
    watchConnection(this.pub, logger);
    watchConnection(this.sub, logger);
    this.server = new Server(this.opts.port, {
      ...options,
      cors: { origin: this.opts.origins, credentials: true },
      serveClient: false,
    });
    // which instance holds the Engine.IO session (handshake and polling responses): checks stickiness
    const instance = { 'X-Instance-Id': instanceId() };
    this.server.engine.on('headers', (headers: Record<string, string>) => Object.assign(headers, instance));
    this.server.adapter(createAdapter(this.pub, this.sub, { key: `${this.opts.prefix}:socket.io` }));
    this.server.of('/').use((socket, next) => next(rootRefusal(socket.handshake.auth?.token)));
    return this.server;
  }

  override async close(server: Server): Promise<void> {
    if (server !== this.server) return;
    await closeStep('socket.io', new Promise<void>((resolve) => server.close(() => resolve())));
    this.server = undefined;
    // the adapters' UNSUBSCRIBEs on close are fire-and-forget: let their replies arrive (commands are
    // answered in order) before quitting, or they reject as unhandled "Connection is closed" — when
    // Redis answers at all: a PING to an unreachable Redis would wait forever
    const answering = [this.pub, this.sub].filter((c): c is Redis => c?.status === 'ready');
    await closeStep('socket.io redis', Promise.allSettled(answering.map((c) => c.ping())));
    await Promise.all([this.pub && closeRedis('socket.io redis', this.pub), this.sub && closeRedis('socket.io redis', this.sub)]);
  }
}

/**
 * The root namespace `/` has no events: every connection is refused, an unauthenticated one with
 * UNAUTHORIZED (as on the other namespaces), any other with NOT_FOUND.
 */
function rootRefusal(token: unknown): Error & { data: { code: string; message: string } } {
  const data = typeof token === 'string' && token
    ? { code: 'NOT_FOUND', message: 'Espace de noms inconnu : utilisez /chat, /audio-call ou /notifications' }
    : { code: 'UNAUTHORIZED', message: 'Jeton manquant' };
  return Object.assign(new Error(data.message), { data });
}
