import { HttpException, HttpStatus } from '@nestjs/common';
import { ErrorCode, ErrorDetail } from './error-codes.js';

/** The one exception type services throw: a status, a stable code, a safe message (never content). */
export class AppException extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Seconds for the Retry-After header (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super({ code, message, details }, status);
  }

  static badRequest(code: ErrorCode, message: string, details?: ErrorDetail[]) {
    return new AppException(HttpStatus.BAD_REQUEST, code, message, details);
  }
  static unauthorized(code: ErrorCode = ErrorCode.UNAUTHORIZED, message = 'Authentification requise') {
    return new AppException(HttpStatus.UNAUTHORIZED, code, message);
  }
  static forbidden(code: ErrorCode = ErrorCode.FORBIDDEN, message = 'Accès refusé') {
    return new AppException(HttpStatus.FORBIDDEN, code, message);
  }
  static notFound(message = 'Ressource introuvable') {
    return new AppException(HttpStatus.NOT_FOUND, ErrorCode.NOT_FOUND, message);
  }
  /** The message is rewritten from Retry-After by the exception filter. */
  static tooManyRequests(retryAfterSeconds: number) {
    return new AppException(HttpStatus.TOO_MANY_REQUESTS, ErrorCode.RATE_LIMITED, 'Trop de tentatives, réessayez plus tard', undefined, retryAfterSeconds);
  }
  static conflict(code: ErrorCode, message: string, details?: ErrorDetail[]) {
    return new AppException(HttpStatus.CONFLICT, code, message, details);
  }
}
