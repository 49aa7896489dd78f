import { Emitter } from '@socket.io/redis-emitter';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config.service.js';

export const NAMESPACES = ['/notifications', '/chat', '/audio-call'] as const;
export type Namespace = (typeof NAMESPACES)[number];

/**
 * Emits to sockets from any process — api instance or worker — through the same Redis channel the
 * Socket.IO Redis adapter listens on, so every api instance delivers to the sockets it holds.
 */
@Injectable()
export class RealtimePublisher implements OnModuleDestroy {
  private readonly redis: Redis;
  private readonly emitter: Emitter;

  constructor(config: AppConfig) {
    this.redis = new Redis(config.get('REDIS_URL'), { maxRetriesPerRequest: 2 });
    this.emitter = new Emitter(this.redis, { key: `${config.get('REDIS_PREFIX')}:socket.io` });
  }

  toUser(namespace: Namespace, userId: string, event: string, payload: unknown): void {
    this.emitter.of(namespace).to(`user:${userId}`).emit(event, payload);
  }

  toRoom(namespace: Namespace, room: string, event: string, payload: unknown): void {
    this.emitter.of(namespace).to(room).emit(event, payload);
  }

  /** Closes every socket of `userId`, in every namespace, on every instance. */
  disconnectUser(userId: string): void {
    for (const ns of NAMESPACES) this.emitter.of(ns).in(`user:${userId}`).disconnectSockets(true);
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
