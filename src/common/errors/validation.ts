import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
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

/**
 * Names of Object.prototype members (`constructor`, `__proto__`, `hasOwnProperty`, ...) and `prototype`.
 * class-validator's whitelist looks each body key up in a plain `{}` of metadata, so these keys find an
 * inherited member there and slip through `forbidNonWhitelisted`. No DTO declares them.
 */
const PROTOTYPE_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Every such key in a parsed body, at any depth (iterative: a deeply nested body cannot blow the stack). */
export function prototypeKeyErrors(value: unknown): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    for (const key of Object.keys(node)) {
      const field = path ? `${path}.${key}` : key;
      if (PROTOTYPE_KEYS.has(key)) errors.push({ field, message: `property ${key} should not exist` });
      else stack.push([(node as Record<string, unknown>)[key], field]);
    }
  }
  return errors;
}

/**
 * The global ValidationPipe, plus a refusal of prototype-named keys in bodies and queries, whatever the
 * parameter's type (routes that take `unknown` and validate by hand are covered too).
 */
export class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const details = prototypeKeyErrors(value);
      if (details.length) throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', details);
    }
    return super.transform(value, metadata);
  }
}
