import { ExecutionContext, Injectable, applyDecorators } from '@nestjs/common';
import { Throttle, ThrottlerGuard } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { Identity } from '../../common/context/request-context.js';

type TrackBy = 'ip' | 'email' | 'user';

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

function trackerFor(by: TrackBy) {
  return async (req: Record<string, any>): Promise<string> => {
    if (by === 'email') {
      const email = typeof req.body?.email === 'string' ? req.body.email.trim().toLowerCase() : '';
      // hashed: the throttler key must not store e-mail addresses in clear in Redis
      return email ? `email:${hash(email)}` : `ip:${req.ip}`;
    }
    if (by === 'user' && req.identity) return `user:${req.identity.userId}`;
    return `ip:${req.ip}`;
  };
}

/**
 * A route-specific limit (SPEC §7.3), counted per IP, per e-mail in the body, or per user. Its counter
 * is separate from the global default one.
 */
export function RateLimit(limit: number, ttlSeconds: number, by: TrackBy) {
  return applyDecorators(
    Throttle({
      default: {
        limit,
        ttl: ttlSeconds * 1000,
        blockDuration: ttlSeconds * 1000,
        getTracker: trackerFor(by),
        generateKey: (ctx: ExecutionContext, tracker: string) => `${ctx.getClass().name}.${ctx.getHandler().name}:${tracker}`,
      },
    }),
  );
}

/** Prefix of the global budget's keys (the storage fails open for these only). */
export const GLOBAL_LIMIT_KEY = 'global:';

/**
 * Global default: per user when authenticated, else per IP, counted across all routes (one budget per
 * caller, not one per endpoint).
 */
@Injectable()
export class AppThrottlerGuard extends ThrottlerGuard {
  /** HTTP only: socket events have their own per-socket limits (a global guard also runs on gateways). */
  override canActivate(context: ExecutionContext): Promise<boolean> {
    return context.getType() === 'http' ? super.canActivate(context) : Promise.resolve(true);
  }

  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const identity = req.identity as Identity | undefined;
    return identity ? `user:${identity.userId}` : `ip:${req.ip}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return `${GLOBAL_LIMIT_KEY}${tracker}`;
  }
}
