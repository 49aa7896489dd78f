import { HttpStatus } from '@nestjs/common';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';

/** Redis is down or too slow: the request cannot be served now, and may be retried shortly (503). */
export class RedisUnavailableError extends AppException {
  constructor() {
    super(HttpStatus.SERVICE_UNAVAILABLE, ErrorCode.SERVICE_UNAVAILABLE, 'Service momentanément indisponible, réessayez dans quelques secondes');
  }
}
