import { BadRequestException } from '@nestjs/common';
import { AppException } from './app.exception.js';
import { ErrorCode } from './error-codes.js';
import { HttpExceptionFilter } from './http-exception.filter.js';

describe('HttpExceptionFilter.toBody', () => {
  const filter = new HttpExceptionFilter();

  it('keeps stable codes and details from AppException', () => {
    const body = filter.toBody(AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field: 'email', message: 'invalide' }]));
    expect(body).toEqual({ statusCode: 400, message: 'Données invalides', error: { code: 'VALIDATION_ERROR', message: 'Données invalides', details: [{ field: 'email', message: 'invalide' }] } });
  });

  it('maps a plain Nest exception to the code of its status', () => {
    expect(filter.toBody(new BadRequestException('Validation failed (uuid is expected)')).error.code).toBe('VALIDATION_ERROR');
  });

  it('never sends the text of an unknown error (it may quote SQL or content)', () => {
    const body = filter.toBody(new Error('insert into journal_entries values (\'je me sens mal\')'));
    expect(body.statusCode).toBe(500);
    expect(JSON.stringify(body)).not.toContain('je me sens mal');
  });

  it('answers 503 when the database pool is saturated', () => {
    const body = filter.toBody(new Error('timeout exceeded when trying to connect'));
    expect([body.statusCode, body.error.code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
  });
});
