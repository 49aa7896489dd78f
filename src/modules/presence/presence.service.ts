import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { IdentityResolver } from '../../common/auth/identity-resolver.service.js';
import type { Identity } from '../../common/context/request-context.js';
import { RequestContext } from '../../common/context/request-context.service.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { AppConfig } from '../../config/app-config.service.js';
import { RealtimePublisher } from '../../infra/realtime/realtime-publisher.service.js';
import { AuthedSocketData, SocketAuthService } from '../../infra/realtime/socket-auth.service.js';
import { ackError, overLimit, payloadAndAck, RATE_LIMITED_ACK, toErrorAck } from '../../infra/realtime/socket-events.js';
import { RedisService } from '../../infra/redis/redis.module.js';
import { AccessService } from '../access/access.service.js';

export type PresenceStatus = 'online' | 'offline';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// presence:u:<userId> is a sorted set of that user's socket ids (any namespace, any instance), scored by
// the time each stops counting unless its instance refreshes it; presence:online indexes users by their
// latest expiry so a survivor can find those whose instance died. Every transition is decided inside one
// script, so two instances never both announce the same change.
const CONNECT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local before = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], 'GT', ARGV[3], ARGV[4])
return before`;
const DISCONNECT = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local left = redis.call('ZCARD', KEYS[1])
if removed == 0 then return -1 end
if left == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[3])
end
return left`;
const SWEEP = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 200)
local gone = {}
for _, uid in ipairs(due) do
  local k = ARGV[2] .. uid
  redis.call('ZREMRANGEBYSCORE', k, '-inf', ARGV[1])
  local last = redis.call('ZRANGE', k, -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('DEL', k)
    redis.call('ZREM', KEYS[1], uid)
    table.insert(gone, uid)
  else
    redis.call('ZADD', KEYS[1], last[2], uid)
  end
end
return gone`;

/**
 * Presence (SPEC §5.4 W26): a user is online while at least one of their sockets, on any namespace that
 * uses SocketAuthService.guard() and on any instance, is connected. State lives in Redis with expiries
 * that each instance refreshes for the sockets it holds; when an instance dies its sockets expire and a
 * surviving instance announces the users who went offline with them. `presence:update` goes only to
 * users who share a (not cancelled) consultation with the user, on /notifications and /chat.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Presence');
  /** The sockets this instance holds (only they can be refreshed from here); the state itself is in Redis. */
  private readonly local = new Map<string, Socket>();
  private readonly ttlMs: number;
  private timer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly redis: RedisService,
    private readonly auth: SocketAuthService,
    private readonly access: AccessService,
    private readonly ctx: RequestContext,
    private readonly publisher: RealtimePublisher,
    private readonly identities: IdentityResolver,
    config: AppConfig,
  ) {
    this.ttlMs = config.get('PRESENCE_TTL_SECONDS') * 1000;
  }

  get heartbeatMs(): number {
    return Math.max(1000, Math.floor(this.ttlMs / 3));
  }

  onModuleInit(): void {
    this.auth.onConnection((socket) => this.attach(socket));
    // A per-instance heartbeat, not a scheduled job: each instance must refresh the sockets it holds (and
    // only it can); running it on every instance is the point, so a survivor notices a dead instance.
    this.timer = setInterval(() => void this.tick(), this.heartbeatMs);
    this.timer.unref();
  }

  /** Runs before the socket server closes: sockets dropped by a shutdown are left to expire, so clients that
   *  reconnect to another instance never flap offline/online. */
  onModuleDestroy(): void {
    this.closing = true;
    clearInterval(this.timer);
  }

  userKey(userId: string): string {
    return this.redis.key('presence', 'u', userId);
  }

  /** Whether this socket of this user is still counted (its instance refreshed it within the TTL). */
  async socketAlive(userId: string, socketId: string): Promise<boolean> {
    const score = await this.redis.guard(() => this.redis.client.zscore(this.userKey(userId), socketId));
    return score !== null && Number(score) > Date.now();
  }

  async statusOf(userIds: string[]): Promise<Map<string, PresenceStatus>> {
    const now = Date.now();
    const counts = await this.redis.guard(async () => {
      const p = this.redis.client.pipeline();
      for (const id of userIds) p.zcount(this.userKey(id), `(${now}`, '+inf');
      return (await p.exec()) ?? [];
    });
    return new Map(userIds.map((id, i) => [id, Number(counts[i]?.[1] ?? 0) > 0 ? 'online' : 'offline']));
  }

  private attach(socket: Socket): void {
    const { identity } = socket.data as AuthedSocketData;
    this.local.set(socket.id, socket);
    const joined = this.joined(identity, socket.id);
    socket.on('presence:get', (...args: unknown[]) => {
      const { payload, ack } = payloadAndAck(args);
      void this.get(socket, identity, payload).then(ack);
    });
    socket.on('disconnect', () => {
      this.local.delete(socket.id);
      if (!this.closing) void joined.then(() => this.left(identity, socket.id));
    });
  }

  private async joined(identity: Identity, socketId: string): Promise<void> {
    try {
      const now = Date.now();
      const c = this.redis.client;
      const before = await this.redis.guard(async () => {
        await c.set(this.whoKey(identity.userId), JSON.stringify({ ...identity, email: '' }), 'PX', this.ttlMs * 2);
        return c.eval(CONNECT, 2, this.userKey(identity.userId), this.indexKey, socketId, now, now + this.ttlMs, identity.userId, this.ttlMs * 2);
      });
      if (Number(before) === 0) await this.announce(identity, 'online');
    } catch (e) {
      this.logger.warn({ message: 'presence not recorded', error: (e as Error).name });
    }
  }

  private async left(identity: Identity, socketId: string): Promise<void> {
    try {
      const left = await this.redis.guard(() => this.redis.client.eval(DISCONNECT, 2, this.userKey(identity.userId), this.indexKey, socketId, Date.now(), identity.userId));
      if (Number(left) === 0) await this.announce(identity, 'offline');
    } catch (e) {
      this.logger.warn({ message: 'presence not cleared', error: (e as Error).name });
    }
  }

  /** `presence:get` `{ userIds? }`: the status of the caller's counterparts (all of them, or those asked). */
  private async get(socket: Socket, identity: Identity, payload: unknown) {
    if (overLimit(socket, 'presence:get', 20, 10_000)) return RATE_LIMITED_ACK;
    const p = (payload ?? {}) as { userIds?: unknown };
    const ids = p.userIds;
    if (typeof p !== 'object' || Array.isArray(p) || Object.keys(p).some((k) => k !== 'userIds')) {
      return ackError(ErrorCode.VALIDATION_ERROR, 'Attendu : { userIds?: uuid[] }');
    }
    if (ids !== undefined && (!Array.isArray(ids) || ids.length > 100 || !ids.every((id) => typeof id === 'string' && UUID.test(id)))) {
      return ackError(ErrorCode.VALIDATION_ERROR, 'userIds : au plus 100 identifiants (uuid)');
    }
    try {
      const counterparts = await this.ctx.runAs(identity, () => this.access.counterpartUserIds(identity));
      const wanted = ids ? counterparts.filter((id) => (ids as string[]).includes(id)) : counterparts;
      const statuses = await this.statusOf(wanted);
      return { ok: true as const, presence: wanted.map((userId) => ({ userId, status: statuses.get(userId)! })) };
    } catch (e) {
      return toErrorAck(e, 'presence:get');
    }
  }

  private async announce(identity: Identity, status: PresenceStatus): Promise<void> {
    const counterparts = await this.ctx.runAs(identity, () => this.access.counterpartUserIds(identity));
    const payload = { userId: identity.userId, status };
    this.publisher.toUsers('/notifications', counterparts, 'presence:update', payload);
    this.publisher.toUsers('/chat', counterparts, 'presence:update', payload);
  }

  /** Refreshes this instance's sockets, re-checks their accounts, and announces users whose instance died. */
  private async tick(): Promise<void> {
    if (this.closing || !this.redis.available) return;
    try {
      await this.refresh();
      await this.revalidate();
      await this.sweep();
    } catch (e) {
      this.logger.warn({ message: 'presence heartbeat failed', error: (e as Error).name });
    }
  }

  private async refresh(): Promise<void> {
    const sockets = [...this.local.values()];
    if (!sockets.length) return;
    const now = Date.now();
    const p = this.redis.client.pipeline();
    for (const s of sockets) {
      const { identity } = s.data as AuthedSocketData;
      p.set(this.whoKey(identity.userId), JSON.stringify({ ...identity, email: '' }), 'PX', this.ttlMs * 2);
      p.eval(CONNECT, 2, this.userKey(identity.userId), this.indexKey, s.id, now, now + this.ttlMs, identity.userId, this.ttlMs * 2);
    }
    const results = (await p.exec()) ?? [];
    // a socket that had expired meanwhile (this instance was stalled longer than the TTL) comes back online
    const back = new Map<string, Identity>();
    sockets.forEach((s, i) => {
      if (Number(results[2 * i + 1]?.[1]) === 0) back.set((s.data as AuthedSocketData).identity.userId, (s.data as AuthedSocketData).identity);
    });
    for (const identity of back.values()) await this.announce(identity, 'online');
  }

  /**
   * Safety net behind the explicit disconnects of account changes: a socket whose account was deactivated,
   * whose company was suspended or whose password changed after its token was issued is closed (identity
   * cache: one query per user per 30 s at most).
   */
  private async revalidate(): Promise<void> {
    for (const s of [...this.local.values()]) {
      const { identity, tokenIssuedAt } = s.data as AuthedSocketData;
      const now = await this.identities.resolve(identity.userId, tokenIssuedAt);
      if (now === null || now === 'COMPANY_INACTIVE') s.disconnect(true);
    }
  }

  private async sweep(): Promise<void> {
    const gone = (await this.redis.client.eval(SWEEP, 1, this.indexKey, Date.now(), `${this.userKey('')}`)) as string[];
    for (const userId of gone) {
      const who = await this.redis.client.get(this.whoKey(userId));
      if (who) await this.announce(JSON.parse(who) as Identity, 'offline');
    }
  }

  private get indexKey(): string {
    return this.redis.key('presence', 'online');
  }

  private whoKey(userId: string): string {
    return this.redis.key('presence', 'who', userId);
  }
}
