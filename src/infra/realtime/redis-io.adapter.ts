import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, ServerOptions } from 'socket.io';

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
    this.server = new Server(this.opts.port, {
      ...options,
      cors: { origin: this.opts.origins, credentials: true },
      serveClient: false,
    });
    this.server.adapter(createAdapter(this.pub, this.sub, { key: `${this.opts.prefix}:socket.io` }));
    return this.server;
  }

  override async close(server: Server): Promise<void> {
    if (server !== this.server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
    // the adapters' UNSUBSCRIBEs on close are fire-and-forget: let their replies arrive (commands are
    // answered in order) before quitting, or they reject as unhandled "Connection is closed"
    await Promise.allSettled([this.pub?.ping(), this.sub?.ping()]);
    await Promise.allSettled([this.pub?.quit(), this.sub?.quit()]);
  }
}
