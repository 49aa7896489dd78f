import { Param, ParseUUIDPipe } from '@nestjs/common';
import { AppException } from '../errors/app.exception.js';
import { ErrorCode } from '../errors/error-codes.js';

/** A route parameter that must be a UUID: anything else is a 400 on that field, before any lookup. */
export const UuidParam = (name = 'id') =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: name, message: 'identifiant invalide (UUID attendu)' }]),
    }),
  );
