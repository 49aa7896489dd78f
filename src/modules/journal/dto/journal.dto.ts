import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Mood } from '@prisma/client';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEnum,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { Trim } from '../../../common/http/transforms.js';
import { PageInfoDto, PaginationQueryDto } from '../../../common/pagination/pagination.js';
import { isCalendarDate } from '../../availability/time-zone.js';
import { normalizeTag } from '../journal-tags.js';

/** SPEC §3.1 / §11 C14: the Mood enum with its documented 1–5 scale. */
export const MOOD_RATING: Record<Mood, number> = { VERY_BAD: 1, BAD: 2, NEUTRAL: 3, GOOD: 4, VERY_GOOD: 5 };
export const MOOD_BY_RATING = Object.fromEntries(Object.entries(MOOD_RATING).map(([m, r]) => [r, m])) as Record<number, Mood>;

/** Limits of one entry (the JSON body limit, 1 MB, is far above them). */
export const JOURNAL_LIMITS = { contentMaxLength: 20_000, tagsMaxCount: 10, tagMaxLength: 32 } as const;
const MOOD_DOC = 'VERY_BAD=1, BAD=2, NEUTRAL=3, GOOD=4, VERY_GOOD=5';

const normalizeTags = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? value.map((t) => (typeof t === 'string' ? normalizeTag(t) : t)) : value;

/** A comma list from the query string (`?mood=BAD,VERY_BAD`, or the parameter repeated), each value mapped. */
const commaList = (map: (v: string) => unknown) => ({ value }: { value: unknown }) =>
  (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',').map((x) => map(x.trim())) : [v]));

@ValidatorConstraint({ name: 'isCalendarDate' })
class IsCalendarDate implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isCalendarDate(value);
  }
  defaultMessage(): string {
    return 'date au format YYYY-MM-DD attendue';
  }
}

const TAG_PATTERN = /^[^,\p{Cc}]+$/u;
const TAG_MESSAGE = 'étiquette non vide, sans virgule ni caractère de contrôle';

export class CreateJournalEntryDto {
  @ApiProperty({ maxLength: JOURNAL_LIMITS.contentMaxLength, description: 'Texte libre, chiffré au repos' })
  @Trim() @IsString() @IsNotEmpty({ message: 'le contenu ne peut pas être vide' })
  @MaxLength(JOURNAL_LIMITS.contentMaxLength, { message: `${JOURNAL_LIMITS.contentMaxLength} caractères au plus` })
  content: string;

  @ApiPropertyOptional({ enum: Mood, nullable: true, description: `Humeur (${MOOD_DOC})` })
  @IsOptional() @IsEnum(Mood, { message: `humeur inconnue (${Object.keys(MOOD_RATING).join(', ')})` })
  mood?: Mood | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, nullable: true, type: Number, description: `Alias CDC de mood sur 1–5 (${MOOD_DOC})` })
  @IsOptional() @IsInt({ message: 'entier de 1 à 5 attendu' }) @Min(1, { message: 'entier de 1 à 5 attendu' }) @Max(5, { message: 'entier de 1 à 5 attendu' })
  moodRating?: number | null;

  @ApiPropertyOptional({
    type: [String],
    maxItems: JOURNAL_LIMITS.tagsMaxCount,
    description: `Étiquettes libres, chiffrées ; comparées en minuscules (${JOURNAL_LIMITS.tagMaxLength} caractères au plus chacune, doublons fusionnés)`,
    example: ['travail', 'sommeil'],
  })
  @IsOptional() @Transform(normalizeTags) @IsArray({ message: 'liste d’étiquettes attendue' })
  @ArrayMaxSize(JOURNAL_LIMITS.tagsMaxCount, { message: `${JOURNAL_LIMITS.tagsMaxCount} étiquettes au plus` })
  @IsString({ each: true, message: 'chaque étiquette doit être un texte' })
  @Matches(TAG_PATTERN, { each: true, message: TAG_MESSAGE })
  @MaxLength(JOURNAL_LIMITS.tagMaxLength, { each: true, message: `${JOURNAL_LIMITS.tagMaxLength} caractères au plus par étiquette` })
  tags?: string[];
}

/** J4: partial; `mood: null` (or `moodRating: null`) removes the mood. */
export class UpdateJournalEntryDto {
  @ApiPropertyOptional({ maxLength: JOURNAL_LIMITS.contentMaxLength })
  @IsOptional() @Trim() @IsString() @IsNotEmpty({ message: 'le contenu ne peut pas être vide' })
  @MaxLength(JOURNAL_LIMITS.contentMaxLength, { message: `${JOURNAL_LIMITS.contentMaxLength} caractères au plus` })
  content?: string;

  @ApiPropertyOptional({ enum: Mood, nullable: true, description: `Humeur (${MOOD_DOC}) ; null l’efface` })
  @IsOptional() @IsEnum(Mood, { message: `humeur inconnue (${Object.keys(MOOD_RATING).join(', ')})` })
  mood?: Mood | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 5, nullable: true, type: Number, description: 'Alias CDC de mood (1–5) ; null l’efface' })
  @IsOptional() @IsInt({ message: 'entier de 1 à 5 attendu' }) @Min(1, { message: 'entier de 1 à 5 attendu' }) @Max(5, { message: 'entier de 1 à 5 attendu' })
  moodRating?: number | null;

  @ApiPropertyOptional({ type: [String], maxItems: JOURNAL_LIMITS.tagsMaxCount, description: 'Remplace toutes les étiquettes ([] les retire)' })
  @IsOptional() @Transform(normalizeTags) @IsArray({ message: 'liste d’étiquettes attendue' })
  @ArrayMaxSize(JOURNAL_LIMITS.tagsMaxCount, { message: `${JOURNAL_LIMITS.tagsMaxCount} étiquettes au plus` })
  @IsString({ each: true, message: 'chaque étiquette doit être un texte' })
  @Matches(TAG_PATTERN, { each: true, message: TAG_MESSAGE })
  @MaxLength(JOURNAL_LIMITS.tagMaxLength, { each: true, message: `${JOURNAL_LIMITS.tagMaxLength} caractères au plus par étiquette` })
  tags?: string[];
}

/** Local calendar days in Europe/Paris, inclusive: `startDate`/`endDate` (P3) or `from`/`to` (CDC). */
export class JournalRangeQueryDto {
  @ApiPropertyOptional({ example: '2026-11-01', description: 'Premier jour inclus (Europe/Paris)' })
  @IsOptional() @Validate(IsCalendarDate) startDate?: string;

  @ApiPropertyOptional({ example: '2026-11-30', description: 'Dernier jour inclus (Europe/Paris)' })
  @IsOptional() @Validate(IsCalendarDate) endDate?: string;

  @ApiPropertyOptional({ example: '2026-11-01', description: 'Synonyme de startDate (CDC)' })
  @IsOptional() @Validate(IsCalendarDate) from?: string;

  @ApiPropertyOptional({ example: '2026-11-30', description: 'Synonyme de endDate (CDC)' })
  @IsOptional() @Validate(IsCalendarDate) to?: string;
}

export class JournalFilterQueryDto extends JournalRangeQueryDto {
  @ApiPropertyOptional({ description: `Humeurs séparées par des virgules, par nom ou note (${MOOD_DOC})`, example: 'BAD,VERY_BAD' })
  @IsOptional()
  @Transform(commaList((v) => (/^[1-5]$/.test(v) ? MOOD_BY_RATING[Number(v)] : v)))
  @IsEnum(Mood, { each: true, message: `humeur inconnue (${Object.keys(MOOD_RATING).join(', ')} ou 1–5)` })
  mood?: Mood[];

  @ApiPropertyOptional({ description: 'Étiquettes séparées par des virgules : entrées portant au moins l’une d’elles', example: 'travail,stress' })
  @IsOptional()
  @Transform(commaList(normalizeTag))
  @ArrayMaxSize(JOURNAL_LIMITS.tagsMaxCount, { message: `${JOURNAL_LIMITS.tagsMaxCount} étiquettes au plus` })
  @IsNotEmpty({ each: true, message: 'étiquette vide' })
  @MaxLength(JOURNAL_LIMITS.tagMaxLength, { each: true, message: `${JOURNAL_LIMITS.tagMaxLength} caractères au plus par étiquette` })
  tag?: string[];
}

export class ListJournalQueryDto extends IntersectionType(PaginationQueryDto, JournalFilterQueryDto) {}

export const EXPORT_FORMATS = ['pdf', 'txt'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class ExportJournalQueryDto extends JournalFilterQueryDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'pdf' })
  @IsOptional() @IsIn(EXPORT_FORMATS, { message: 'format pdf ou txt attendu' })
  format: ExportFormat = 'pdf';
}

// ---- responses ----

export class JournalEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() content: string;
  @ApiProperty({ enum: Mood, nullable: true }) mood: Mood | null;
  @ApiProperty({ nullable: true, type: Number, description: MOOD_DOC }) moodRating: number | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class JournalEntryResponseDto {
  @ApiProperty({ type: JournalEntryDto }) entry: JournalEntryDto;
}

export class JournalListDto extends PageInfoDto {
  @ApiProperty({ type: [JournalEntryDto] }) entries: JournalEntryDto[];
}

export class JournalDeletedDto {
  @ApiProperty({ example: 'entry deleted' }) message: string;
}

export class MoodCountsDto {
  @ApiProperty() VERY_BAD: number;
  @ApiProperty() BAD: number;
  @ApiProperty() NEUTRAL: number;
  @ApiProperty() GOOD: number;
  @ApiProperty() VERY_GOOD: number;
}

export class JournalWeekStatsDto {
  @ApiProperty({ example: '2026-W48', description: 'Semaine ISO 8601' }) week: string;
  @ApiProperty({ example: '2026-11-23', description: 'Lundi de la semaine (Europe/Paris)' }) weekStart: string;
  @ApiProperty({ type: MoodCountsDto }) counts: MoodCountsDto;
  @ApiProperty({ description: 'Entrées sans humeur' }) withoutMood: number;
  @ApiProperty() total: number;
  @ApiProperty({ nullable: true, type: Number, format: 'double', description: 'Moyenne des notes 1–5 (une décimale)' }) averageMoodRating: number | null;
}

export class JournalStatsDto {
  @ApiProperty({ format: 'date', example: '2026-09-07' }) startDate: string;
  @ApiProperty({ format: 'date', example: '2026-11-29' }) endDate: string;
  @ApiProperty({ example: 'Europe/Paris' }) timeZone: string;
  @ApiProperty({ type: [JournalWeekStatsDto], description: 'Chaque semaine ISO de la période, vide comprise' }) weeks: JournalWeekStatsDto[];
  @ApiProperty({ type: MoodCountsDto }) totals: MoodCountsDto;
}
