import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.service.js';
import { RedisService } from '../../infra/redis/redis.module.js';
import { PresenceService } from '../presence/presence.service.js';

export type CallStatus = 'calling' | 'accepted';

/** One call per consultation. User ids are the two participants'; socket ids pin the signalling to the two
 *  sockets (tabs) that initiated and accepted, wherever they are connected. */
export interface CallRecord {
  consultationId: string;
  status: CallStatus;
  callerUserId: string;
  callerSocket: string;
  calleeUserId: string;
  calleeSocket: string | null;
}

// KEYS[1] call; ARGV: presence key prefix, now, ttl, fields…
// An existing call blocks a new one while one of its sockets is still counted by presence (alive).
const INITIATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  local f = redis.call('HMGET', KEYS[1], 'callerUserId', 'callerSocket', 'calleeUserId', 'calleeSocket')
  local s = redis.call('ZSCORE', ARGV[1] .. f[1], f[2])
  if s and tonumber(s) > tonumber(ARGV[2]) then return 0 end
  if f[4] then
    s = redis.call('ZSCORE', ARGV[1] .. f[3], f[4])
    if s and tonumber(s) > tonumber(ARGV[2]) then return 0 end
  end
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'consultationId', ARGV[4], 'status', 'calling', 'callerUserId', ARGV[5], 'callerSocket', ARGV[6], 'calleeUserId', ARGV[7])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;
// ARGV: user, socket, ttl → 'NOT_FOUND' | 'IN_PROGRESS' | caller socket
const ACCEPT = `
local f = redis.call('HMGET', KEYS[1], 'calleeUserId', 'status', 'callerSocket')
if not f[1] or f[1] ~= ARGV[1] then return 'NOT_FOUND' end
if f[2] ~= 'calling' then return 'IN_PROGRESS' end
redis.call('HSET', KEYS[1], 'status', 'accepted', 'calleeSocket', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return f[3]`;
// ARGV: user (the callee, while it rings) → caller socket or false
const REJECT = `
local f = redis.call('HMGET', KEYS[1], 'calleeUserId', 'status', 'callerSocket')
if not f[1] or f[1] ~= ARGV[1] or f[2] ~= 'calling' then return false end
redis.call('DEL', KEYS[1])
return f[3]`;
// ARGV: user, socket → the deleted call, when that socket is one of its parties (or the callee's while it rings)
const END = `
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then return false end
local f = {}
for i = 1, #h, 2 do f[h[i]] = h[i + 1] end
local party = f.callerSocket == ARGV[2] or f.calleeSocket == ARGV[2] or (f.status == 'calling' and f.calleeUserId == ARGV[1] and ARGV[3] == '1')
if not party then return false end
redis.call('DEL', KEYS[1])
return h`;

/** Audio-call state in Redis with an expiry (never process memory): any instance serves any event. */
@Injectable()
export class CallStateService {
  readonly ttlMs: number;

  constructor(
    private readonly redis: RedisService,
    private readonly presence: PresenceService,
    config: AppConfig,
  ) {
    this.ttlMs = config.get('PRESENCE_TTL_SECONDS') * 1000;
  }

  /** False when a live call already exists for this consultation. */
  async initiate(c: { consultationId: string; callerUserId: string; callerSocket: string; calleeUserId: string }): Promise<boolean> {
    const r = await this.run(INITIATE, c.consultationId, this.presence.userKey(''), Date.now(), this.ttlMs, c.consultationId, c.callerUserId, c.callerSocket, c.calleeUserId);
    return Number(r) === 1;
  }

  async accept(consultationId: string, userId: string, socketId: string): Promise<'NOT_FOUND' | 'IN_PROGRESS' | { callerSocket: string }> {
    const r = (await this.run(ACCEPT, consultationId, userId, socketId, this.ttlMs)) as string;
    return r === 'NOT_FOUND' || r === 'IN_PROGRESS' ? r : { callerSocket: r };
  }

  async reject(consultationId: string, userId: string): Promise<string | null> {
    return ((await this.run(REJECT, consultationId, userId)) as string | null) ?? null;
  }

  /** Deletes the call if `socketId` takes part in it (`ringingCallee`: the callee's tabs may end a ringing call). */
  async end(consultationId: string, userId: string, socketId: string, ringingCallee = true): Promise<CallRecord | null> {
    const r = (await this.run(END, consultationId, userId, socketId, ringingCallee ? '1' : '0')) as string[] | null;
    return r ? toRecord(r) : null;
  }

  async get(consultationId: string): Promise<CallRecord | null> {
    const h = await this.redis.guard(() => this.redis.client.hgetall(this.key(consultationId)));
    return h.status ? (h as unknown as CallRecord) : null;
  }

  /** Keeps a call alive while one of its parties' instances is alive. */
  async touch(consultationIds: string[]): Promise<void> {
    if (!consultationIds.length) return;
    const p = this.redis.client.pipeline();
    for (const id of consultationIds) p.pexpire(this.key(id), this.ttlMs);
    await p.exec();
  }

  async drop(consultationId: string): Promise<void> {
    await this.redis.guard(() => this.redis.client.del(this.key(consultationId)));
  }

  private key(consultationId: string): string {
    return this.redis.key('call', consultationId);
  }

  private run(script: string, consultationId: string, ...args: (string | number)[]): Promise<unknown> {
    return this.redis.guard(() => this.redis.client.eval(script, 1, this.key(consultationId), ...args));
  }
}

function toRecord(flat: string[]): CallRecord {
  const f: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) f[flat[i]] = flat[i + 1];
  return {
    consultationId: f.consultationId,
    status: f.status as CallStatus,
    callerUserId: f.callerUserId,
    callerSocket: f.callerSocket,
    calleeUserId: f.calleeUserId,
    calleeSocket: f.calleeSocket ?? null,
  };
}
