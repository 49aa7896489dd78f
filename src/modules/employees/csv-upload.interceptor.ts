import { BadRequestException, CallHandler, ExecutionContext, Injectable, NestInterceptor, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { CSV_MAX_BYTES } from './employee-import.service.js';

/**
 * Wraps the multer interceptor of the import route: its errors (English, generic) become the API's
 * envelope with a French message and the `file` field — 413 beyond the size limit, 415 for a body that is
 * not multipart/form-data, 400 for a malformed multipart body or an unexpected field.
 */
@Injectable()
export class CsvUploadErrorsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((e: unknown) => {
        if (e instanceof PayloadTooLargeException) {
          return throwError(() => new AppException(413, ErrorCode.PAYLOAD_TOO_LARGE, `Fichier trop volumineux (${CSV_MAX_BYTES / 1024 / 1024} Mo au maximum)`, [{ field: 'file', message: 'trop volumineux' }]));
        }
        if (e instanceof UnsupportedMediaTypeException) {
          return throwError(() => new AppException(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Envoyez le fichier en multipart/form-data (champ « file »)', [{ field: 'file', message: 'multipart/form-data attendu' }]));
        }
        if (e instanceof BadRequestException) {
          return throwError(() => AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Requête multipart invalide', [{ field: 'file', message: 'un seul fichier attendu, dans le champ « file »' }]));
        }
        return throwError(() => e);
      }),
    );
  }
}
