import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Response } from 'express';
import { AppException } from './app.exception.js';
import { unreachableDependency } from './unavailable.js';
import { ErrorCode, ErrorDetail } from './error-codes.js';

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.VALIDATION_ERROR,
  401: ErrorCode.UNAUTHORIZED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
  503: ErrorCode.SERVICE_UNAVAILABLE,
};

export interface ErrorBody {
  statusCode: number;
  message: string;
  error: { code: string; message: string; details?: ErrorDetail[] };
}

/**
 * Renders every error as `{ statusCode, message, error: { code, message, details? } }` (ARCHITECTURE §7).
 * Unknown errors become a generic 500: their text may contain SQL or user content, so it is only logged
 * (by name and stack) and never sent.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception; // sockets have their own acks
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (exception instanceof AppException && exception.retryAfterSeconds && !res.headersSent) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (body.statusCode === 429) {
      // the throttler or the exception has set Retry-After (seconds): say it in words too (SPEC §7.3)
      const retry = Number(res.getHeader('Retry-After'));
      if (retry > 0) body.error.message = `Trop de tentatives, réessayez dans ${retry >= 60 ? `${Math.ceil(retry / 60)} min` : `${retry} s`}`;
      body.message = body.error.message;
    }
    if (body.statusCode === 503 && !res.headersSent && !res.getHeader('Retry-After')) res.setHeader('Retry-After', String(this.retryAfter(exception)));
    if (!res.headersSent) res.status(body.statusCode).json(body);
  }

  /** Seconds a client should wait: a saturated pool frees up within a second, an outage takes longer. */
  private retryAfter(exception: unknown): number {
    return unreachableDependency(exception) === 'saturated' ? 1 : 5;
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof ThrottlerException) {
      const msg = 'Trop de tentatives, réessayez plus tard';
      return { statusCode: 429, message: msg, error: { code: ErrorCode.RATE_LIMITED, message: msg } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      let code: string = STATUS_CODES[status] ?? (status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.VALIDATION_ERROR);
      let message = exception.message;
      let details: ErrorDetail[] | undefined;
      if (typeof response === 'object' && response !== null) {
        const r = response as { code?: string; message?: unknown; details?: ErrorDetail[] };
        if (typeof r.code === 'string') code = r.code;
        if (typeof r.message === 'string') message = r.message;
        else if (Array.isArray(r.message)) {
          details = r.message.map((m) => ({ message: String(m) }));
          message = 'Données invalides';
        }
        if (Array.isArray(r.details)) details = r.details;
      }
      if (status === 503) this.logger.warn(`${exception.name}: ${exception.message}`);
      else if (status >= 500) this.logger.error(`${exception.name}: ${exception.message}`);
      return { statusCode: status, message, error: { code, message, ...(details ? { details } : {}) } };
    }
    // body-parser errors (malformed JSON, too large) carry a status but are not HttpExceptions
    const e = exception as { status?: number; type?: string; name?: string; stack?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      const message = e.type === 'entity.too.large' ? 'Corps de requête trop volumineux' : 'Corps de requête invalide';
      return {
        statusCode: e.status,
        message,
        error: { code: STATUS_CODES[e.status] ?? ErrorCode.VALIDATION_ERROR, message },
      };
    }
    // PostgreSQL or Redis unreachable, or the pool saturated: the client may retry shortly, not a bug
    const unavailable = unreachableDependency(exception);
    if (unavailable) {
      this.logger.warn({ message: unavailable === 'saturated' ? 'database pool saturated' : `${unavailable} unreachable` });
      const message = unavailable === 'saturated' ? 'Service momentanément surchargé, réessayez' : 'Service momentanément indisponible, réessayez dans quelques secondes';
      return { statusCode: HttpStatus.SERVICE_UNAVAILABLE, message, error: { code: ErrorCode.SERVICE_UNAVAILABLE, message } };
    }
    // frames only: the message (and Prisma's multi-line messages) may quote query arguments
    const cause = (exception as { cause?: { kind?: string; originalCode?: string }; code?: string })?.cause;
    const code = cause?.originalCode ?? cause?.kind ?? (exception as { code?: string })?.code;
    this.logger.error(`Unhandled ${e?.name ?? 'error'}${code ? ` (${code})` : ''}`, e?.stack?.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 6).join('\n'));
    const message = 'Erreur interne';
    return {
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      message,
      error: { code: ErrorCode.INTERNAL_ERROR, message },
    };
  }
}
