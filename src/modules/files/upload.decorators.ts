import {
  applyDecorators,
  BadRequestException,
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiPayloadTooLargeResponse, ApiUnsupportedMediaTypeResponse } from '@nestjs/swagger';
import { catchError, Observable, throwError } from 'rxjs';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { RateLimit } from '../../infra/throttle/rate-limit.js';

/** Uploads per user and hour on each upload route: 10 MB files are costly to check, encrypt and store. */
export const UPLOADS_PER_HOUR = 60;

/**
 * Multer's errors (raised by FileInterceptor as Nest exceptions with English messages) rendered as the
 * French envelope: 413 beyond MAX_FILE_SIZE, 400 for a malformed form or an unexpected file field.
 */
@Injectable()
export class UploadErrorsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((err: unknown) => throwError(() => translate(err))));
  }
}

function translate(err: unknown): unknown {
  if (err instanceof AppException) return err;
  if (err instanceof PayloadTooLargeException) {
    return new AppException(HttpStatus.PAYLOAD_TOO_LARGE, ErrorCode.PAYLOAD_TOO_LARGE, 'Fichier trop volumineux (10 Mo maximum)', [
      { field: 'file', message: 'le fichier dépasse la taille maximale autorisée' },
    ]);
  }
  if (err instanceof UnsupportedMediaTypeException) {
    return new AppException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Envoi multipart/form-data attendu');
  }
  if (err instanceof BadRequestException) {
    return AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Formulaire d’envoi invalide', [
      { field: 'file', message: 'un seul fichier est accepté, dans le champ « file »' },
    ]);
  }
  return err;
}

/** Swagger description of a text field of the multipart form. */
export interface FormField {
  type: 'string';
  enum?: string[];
  format?: string;
  description?: string;
}

/**
 * A multipart route with one file in field `file`, held in memory (the limits come from the module's
 * MulterModule options), its Swagger body, its error responses and its rate limit.
 */
export function FileUpload(fields: Record<string, FormField> = {}, required: string[] = []) {
  return applyDecorators(
    UseInterceptors(UploadErrorsInterceptor, FileInterceptor('file')),
    RateLimit(UPLOADS_PER_HOUR, 3600, 'user'),
    ApiConsumes('multipart/form-data'),
    ApiBody({
      schema: {
        type: 'object',
        required: ['file', ...required],
        properties: { file: { type: 'string', format: 'binary', description: 'Fichier (10 Mo maximum)' }, ...fields },
      },
    }),
    ApiPayloadTooLargeResponse({ description: 'PAYLOAD_TOO_LARGE (plus de 10 Mo)' }),
    ApiUnsupportedMediaTypeResponse({ description: 'UNSUPPORTED_MEDIA_TYPE (type réel du contenu non autorisé)' }),
  );
}
