import { ValidationError } from '@nestjs/common';
import { AppException } from './app.exception.js';
import { ErrorCode, ErrorDetail } from './error-codes.js';

/** Flattens class-validator errors into `[{ field: 'a.b', message }]`, one entry per broken rule. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

export function validationException(errors: ValidationError[]): AppException {
  return AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', flattenValidationErrors(errors));
}
