import { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode, type ErrorDetail } from '../../common/errors/error-codes.js';
import { unreachableDependency } from '../../common/errors/unavailable.js';

/** What every client event is acknowledged with (ARCHITECTURE §6). */
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string; details?: ErrorDetail[] } };

const logger = new Logger('Socket');

export function ackError(code: ErrorCode, message: string): Ack<never> {
  return { ok: false, error: { code, message } };
}

/**
 * An exception as an error ack: AppExceptions keep their code and safe message; PostgreSQL or Redis out of
 * reach, or the pool saturated, is SERVICE_UNAVAILABLE (retry shortly, as the HTTP 503); anything else is
 * logged (name only) and INTERNAL_ERROR.
 */
export function toErrorAck(e: unknown, event: string): Ack<never> {
  if (e instanceof AppException) {
    const { message } = e.getResponse() as { message: string };
    return { ok: false, error: { code: e.code, message, ...(e.details ? { details: e.details } : {}) } };
  }
  const unavailable = unreachableDependency(e);
  if (unavailable) {
    logger.warn({ message: unavailable === 'saturated' ? 'database pool saturated' : `${unavailable} unreachable`, event });
    return {
      ok: false,
      error: {
        code: ErrorCode.SERVICE_UNAVAILABLE,
        message: unavailable === 'saturated' ? 'Service momentanément surchargé, réessayez' : 'Service momentanément indisponible, réessayez dans quelques secondes',
        details: [{ field: event, message: `retryAfter=${unavailable === 'saturated' ? 1 : 5}` }],
      },
    };
  }
  logger.error({ message: 'socket event failed', event, error: (e as Error)?.name });
  return ackError(ErrorCode.INTERNAL_ERROR, 'Erreur interne');
}

/**
 * Per-socket fixed-window limit. Kept on the socket itself: a socket lives on exactly one instance for its
 * whole life, so its count needs no shared store (unlike call state and presence, which are in Redis).
 */
export function overLimit(socket: Socket, bucket: string, limit: number, windowMs: number): boolean {
  const data = socket.data as { limits?: Record<string, { start: number; count: number }> };
  const limits = (data.limits ??= {});
  const now = Date.now();
  const w = limits[bucket];
  if (!w || now - w.start >= windowMs) {
    limits[bucket] = { start: now, count: 1 };
    return false;
  }
  w.count += 1;
  return w.count > limit;
}

export const RATE_LIMITED_ACK = ackError(ErrorCode.RATE_LIMITED, 'Trop d’événements, ralentissez');

/** Splits socket.io handler arguments into payload and ack (a client may omit either). */
export function payloadAndAck(args: unknown[]): { payload: unknown; ack: (a: Ack) => void } {
  const last = args.at(-1);
  const ack = typeof last === 'function' ? (last as (a: Ack) => void) : () => undefined;
  const payload = typeof last === 'function' ? (args.length > 1 ? args[0] : undefined) : args[0];
  return { payload, ack };
}
