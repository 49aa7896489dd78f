import { Emitter } from '@socket.io/redis-emitter';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config.service.js';
import { closeRedis } from '../lifecycle/shutdown.js';
import { watchConnection } from '../redis/redis.module.js';

export const NAMESPACES = ['/notifications', '/chat', '/audio-call'] as const;
export type Namespace = (typeof NAMESPACES)[number];

/**
 * Emits to sockets from any process — api instance or worker — through the same Redis channel the
 * Socket.IO Redis adapter listens on, so every api instance delivers to the sockets it holds.
 */
@Injectable()
export class RealtimePublisher implements OnApplicationShutdown {
  private readonly logger = new Logger('Realtime');
  private readonly redis: Redis;
  private readonly emitter: Emitter;

  constructor(config: AppConfig) {
    this.redis = new Redis(config.get('REDIS_URL'), { maxRetriesPerRequest: 1 });
    watchConnection(this.redis, this.logger);
    // the emitter fires and forgets; a push lost to a closing connection is logged, never an unhandled
    // rejection, and with Redis down it is dropped at once instead of queued (pushes are best effort:
    // the notification row is what counts)
    const client = {
      publish: (channel: string, message: string | Buffer) =>
        this.redis.status !== 'ready'
          ? Promise.resolve(0)
          : this.redis.publish(channel, message).catch((e: Error) => {
              this.logger.warn({ message: 'realtime push not published', error: e.name });
              return 0;
            }),
    };
    this.emitter = new Emitter(client, { key: `${config.get('REDIS_PREFIX')}:socket.io` });
  }

  toUser(namespace: Namespace, userId: string, event: string, payload: unknown): void {
    this.emitter.of(namespace).to(`user:${userId}`).emit(event, payload);
  }

  /** One publish for many users (presence updates to every counterpart). */
  toUsers(namespace: Namespace, userIds: string[], event: string, payload: unknown): void {
    if (userIds.length) this.emitter.of(namespace).to(userIds.map((id) => `user:${id}`)).emit(event, payload);
  }

  toRoom(namespace: Namespace, room: string, event: string, payload: unknown): void {
    this.emitter.of(namespace).to(room).emit(event, payload);
  }

  /** Closes every socket of `userId`, in every namespace, on every instance. */
  disconnectUser(userId: string): void {
    for (const ns of NAMESPACES) this.emitter.of(ns).in(`user:${userId}`).disconnectSockets(true);
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedis('realtime publisher redis', this.redis);
  }
}
