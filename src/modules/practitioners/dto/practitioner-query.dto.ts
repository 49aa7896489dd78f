import { ApiPropertyOptional } from '@nestjs/swagger';
import { ConsultationFormat, Specialty } from '@prisma/client';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsEnum, IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { QueryBoolean, Trim } from '../../../common/http/transforms.js';
import { PaginationQueryDto } from '../../../common/pagination/pagination.js';
import { LANGUAGE } from './practitioner-input.dto.js';

/** `a,b` or repeated `?x=a&x=b` → ['a', 'b'] (trimmed, empty parts dropped). */
const Csv = (lower = false) =>
  Transform(({ value }) => {
    if (value === undefined) return undefined;
    const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
    return parts.map((p) => (typeof p === 'string' ? (lower ? p.trim().toLowerCase() : p.trim()) : p)).filter((p) => p !== '');
  });

export const SEARCH_SORTS = ['relevance', 'rating', 'experience', 'nextAvailable'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

/** PR2 for ADMIN_HUNTZEN: every practitioner, filtered. */
export class AdminPractitionersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ type: Boolean }) @IsOptional() @QueryBoolean() @IsBoolean() isValidated?: boolean;
  @ApiPropertyOptional({ type: Boolean }) @IsOptional() @QueryBoolean() @IsBoolean() isActive?: boolean;
  @ApiPropertyOptional({ enum: Specialty }) @IsOptional() @IsEnum(Specialty) specialty?: Specialty;

  @ApiPropertyOptional({ description: 'Nom, prénom, e-mail ou numéro ADELI/RPPS (contient)' })
  @IsOptional() @Trim() @IsString() @IsNotEmpty() @MaxLength(100)
  q?: string;
}

/** PR3 list: pagination only. */
export class PendingPractitionersQueryDto extends PaginationQueryDto {}

/** PR4 (US-3.3, US-10.1). Every filter is optional; the normalised values are echoed as `appliedFilters`. */
export class SearchPractitionersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: Specialty }) @IsOptional() @IsEnum(Specialty) specialty?: Specialty;

  @ApiPropertyOptional({ description: 'CSV : au moins une de ces sous-spécialités', example: 'TCC,EMDR' })
  @IsOptional() @Csv() @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @MaxLength(100, { each: true })
  subSpecialties?: string[];

  @ApiPropertyOptional({ description: 'Une langue (synonyme de languages)', example: 'fr' })
  @IsOptional() @Csv(true) @IsArray() @ArrayMaxSize(10) @Matches(LANGUAGE, { each: true, message: 'code de langue ISO attendu (ex. fr)' })
  language?: string[];

  @ApiPropertyOptional({ description: 'CSV : parle au moins une de ces langues', example: 'fr,en' })
  @IsOptional() @Csv(true) @IsArray() @ArrayMaxSize(10) @Matches(LANGUAGE, { each: true, message: 'code de langue ISO attendu (ex. fr)' })
  languages?: string[];

  @ApiPropertyOptional({ type: Boolean }) @IsOptional() @QueryBoolean() @IsBoolean() offersVideo?: boolean;
  @ApiPropertyOptional({ type: Boolean, description: 'Format AUDIO' }) @IsOptional() @QueryBoolean() @IsBoolean() offersPhone?: boolean;
  @ApiPropertyOptional({ type: Boolean }) @IsOptional() @QueryBoolean() @IsBoolean() offersInPerson?: boolean;

  @ApiPropertyOptional({ enum: ConsultationFormat, description: 'Raccourci : VIDEO → offersVideo, AUDIO → offersPhone, IN_PERSON → offersInPerson' })
  @IsOptional() @IsEnum(ConsultationFormat)
  format?: ConsultationFormat;

  @ApiPropertyOptional({ minimum: 1, maximum: 90, description: 'Au moins un créneau libre dans les N prochains jours' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(90)
  availableWithin?: number;

  @ApiPropertyOptional({ type: Number, format: 'double', minimum: 1, maximum: 5 })
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(1) @Max(5)
  minRating?: number;

  @ApiPropertyOptional({ type: Boolean, description: 'Accepte de nouveaux patients' })
  @IsOptional() @QueryBoolean() @IsBoolean()
  acceptingNew?: boolean;

  @ApiPropertyOptional({ enum: SEARCH_SORTS, default: 'relevance' })
  @IsOptional() @IsIn(SEARCH_SORTS)
  sort: SearchSort = 'relevance';
}
