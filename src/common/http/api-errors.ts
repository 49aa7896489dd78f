import { applyDecorators } from '@nestjs/common';
import { ErrorCode } from '../errors/error-codes.js';
import { ApiBadRequestResponse, ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiUnauthorizedResponse, getSchemaPath } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiPropertyOptional({ example: 'email' }) field?: string;
  @ApiProperty({ example: 'adresse e-mail invalide' }) message: string;
}

export class ErrorPayloadDto {
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.VALIDATION_ERROR }) code: ErrorCode;
  @ApiProperty({ example: 'Données invalides' }) message: string;
  @ApiPropertyOptional({ type: [ErrorDetailDto] }) details?: ErrorDetailDto[];
}

/** The error envelope every endpoint answers with (ARCHITECTURE §7). */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Données invalides' }) message: string;
  @ApiProperty({ type: ErrorPayloadDto }) error: ErrorPayloadDto;
}

/** Documents the envelope for the errors every route can produce. */
export function ApiErrors() {
  const schema = { $ref: getSchemaPath(ErrorResponseDto) };
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto, ErrorPayloadDto, ErrorDetailDto),
    ApiBadRequestResponse({ description: 'VALIDATION_ERROR', schema }),
    ApiUnauthorizedResponse({ description: 'UNAUTHORIZED', schema }),
  );
}
