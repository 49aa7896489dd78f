import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppException } from '../../common/errors/app.exception.js';
import { AppConfig } from '../../config/app-config.service.js';
import { RedisService } from '../../infra/redis/redis.module.js';

/**
 * One call, atomic: ARGV = window ms, then (limit, mode) per key. Mode `c` only checks, `t` checks and
 * counts, `h` counts without checking. If any checked key is at its limit nothing is counted and
 * {index, ms left} comes back; else {0, 0}. A count starts its window on the first hit, and reaching the
 * limit restarts the window: the lock lasts a full window from the attempt that filled the budget.
 */
const ENTER = `
local window = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local limit, mode = tonumber(ARGV[i * 2]), ARGV[i * 2 + 1]
  if mode ~= 'h' and (tonumber(redis.call('GET', key)) or 0) >= limit then
    return {i, math.max(redis.call('PTTL', key), 1000)}
  end
end
for i, key in ipairs(KEYS) do
  local limit, mode = tonumber(ARGV[i * 2]), ARGV[i * 2 + 1]
  if mode ~= 'c' then
    local n = redis.call('INCR', key)
    if n == 1 or n >= limit then redis.call('PEXPIRE', key, window) end
  end
end
return {0, 0}`;

type Mode = 'c' | 't' | 'h';

/** Hashed so that Redis never holds e-mail addresses in clear. */
const emailKey = (email: string) => createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);

/**
 * Brute-force limits of sign-in and of every check of a secret (SPEC §7.3, issue 10), all counted here,
 * in Redis, over one window (AUTH_LIMIT_WINDOW_SECONDS, default 15 min) that is also the lock duration:
 * - per IP, every login attempt: LOGIN_MAX_ATTEMPTS_PER_IP (100) — a ceiling high enough for a whole
 *   office behind one NAT signing in at 9:00, since a successful login costs nothing else;
 * - per IP, wrong logins: LOGIN_MAX_FAILURES_PER_IP (5): the 6th attempt answers 429 (SPEC criterion 9);
 * - per account (hash of the e-mail, known or not), wrong logins: LOGIN_MAX_FAILURES_PER_ACCOUNT (10),
 *   against guessing from many IPs; reserved on arrival so parallel guesses cannot exceed it, and
 *   cleared by a right password;
 * - per account, wrong 2FA codes (login, /2fa/verify, /2fa/disable): MFA_MAX_FAILURES (5), cleared by a
 *   right code;
 * - per user, wrong current passwords (change-password, /2fa/disable): PASSWORD_CHECK_MAX_FAILURES (5).
 * A full budget answers 429 RATE_LIMITED with Retry-After.
 */
@Injectable()
export class AttemptLimiter {
  private readonly windowMs: number;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    this.windowMs = config.get('AUTH_LIMIT_WINDOW_SECONDS') * 1000;
  }

  /** Before a login's password check: counts the attempt, and reserves a failure of the account. */
  async loginAttempt(ip: string | undefined, email: string): Promise<void> {
    await this.enter([
      [this.key('login-ip', ip ?? 'unknown'), this.config.get('LOGIN_MAX_ATTEMPTS_PER_IP'), 't'],
      [this.key('login-ip-fail', ip ?? 'unknown'), this.config.get('LOGIN_MAX_FAILURES_PER_IP'), 'c'],
      [this.key('login-account-fail', emailKey(email)), this.config.get('LOGIN_MAX_FAILURES_PER_ACCOUNT'), 't'],
    ]);
  }

  /** A wrong login: one more failure for the IP (the account's was reserved by `loginAttempt`). */
  async loginFailed(ip: string | undefined): Promise<void> {
    await this.enter([[this.key('login-ip-fail', ip ?? 'unknown'), this.config.get('LOGIN_MAX_FAILURES_PER_IP'), 'h']]);
  }

  /** A right password: the account's failures (its reservation included) are forgiven. */
  async loginPasswordOk(email: string): Promise<void> {
    await this.redis.guard(() => this.redis.client.del(this.key('login-account-fail', emailKey(email))));
  }

  /** Before checking a 2FA code: 429 while locked, else the attempt counts as wrong until `mfaOk`. */
  mfaAttempt(userId: string): Promise<void> {
    return this.enter([[this.key('mfa-fail', userId), this.config.get('MFA_MAX_FAILURES'), 't']]);
  }

  async mfaOk(userId: string): Promise<void> {
    await this.redis.guard(() => this.redis.client.del(this.key('mfa-fail', userId)));
  }

  /** Before checking the current password of a signed-in user (same rule as `mfaAttempt`). */
  passwordCheckAttempt(userId: string): Promise<void> {
    return this.enter([[this.key('password-fail', userId), this.config.get('PASSWORD_CHECK_MAX_FAILURES'), 't']]);
  }

  async passwordCheckOk(userId: string): Promise<void> {
    await this.redis.guard(() => this.redis.client.del(this.key('password-fail', userId)));
  }

  private key(bucket: string, id: string): string {
    return this.redis.key('auth-limit', bucket, id);
  }

  private async enter(buckets: Array<[key: string, limit: number, mode: Mode]>): Promise<void> {
    const args = buckets.flatMap(([, limit, mode]) => [String(limit), mode]);
    // fails closed: with Redis down this answers 503 (RedisUnavailableError), never unlimited guessing
    const [blocked, msLeft] = (await this.redis.guard(() =>
      this.redis.client.eval(ENTER, buckets.length, ...buckets.map(([key]) => key), String(this.windowMs), ...args),
    )) as [number, number];
    if (blocked) throw AppException.tooManyRequests(Math.ceil(msLeft / 1000));
  }
}
