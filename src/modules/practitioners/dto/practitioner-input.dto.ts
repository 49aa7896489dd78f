import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Specialty } from '@prisma/client';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsEnum,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  Validate,
  ValidateIf,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { NormalizeEmail, Trim } from '../../../common/http/transforms.js';
import { canonicalTimeZone } from '../../availability/time-zone.js';

/** Present ⇒ validated, and null is refused: for columns that cannot be cleared. */
const Present = () => ValidateIf((_: unknown, v: unknown) => v !== undefined);

/** ISO 639-1/639-2 codes, stored lower-case ("fr", "en", "ar"). */
export const LANGUAGE = /^[a-z]{2,3}$/;
/** ADELI (9 digits) or RPPS (11 digits). */
const PROFESSIONAL_ID = /^\d{9}(\d{2})?$/;
/** An uploaded file (`/api/files/<uuid>`, what the upload endpoints return) or an https URL. */
const MEDIA_URL = /^(\/api\/files\/[0-9a-fA-F-]{36}|https:\/\/[^\s<>"']{1,500})$/;

const trimEach = () =>
  Transform(({ value }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim() : v)) : value));
const lowerEach = () =>
  Transform(({ value }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v)) : value));

@ValidatorConstraint({ name: 'isIanaTimeZone' })
export class IsIanaTimeZoneConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && canonicalTimeZone(value) === value;
  }
  defaultMessage(): string {
    return 'fuseau horaire IANA attendu (ex. Europe/Paris)';
  }
}

/** Normalises a valid zone to its canonical spelling; an invalid one is left for the validator to refuse. */
const CanonicalTimeZone = () => Transform(({ value }) => (typeof value === 'string' ? (canonicalTimeZone(value.trim()) ?? value) : value));

/** PR1 body (SPEC §4.5, §11 B14): the account is created by invitation, never with a password. */
export class CreatePractitionerDto {
  @ApiProperty({ example: 'sophie.martin@cabinet.fr' })
  @NormalizeEmail() @IsEmail({}, { message: 'adresse e-mail invalide' }) @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'Sophie' })
  @Trim() @IsString() @MinLength(1) @MaxLength(100)
  firstName: string;

  @ApiProperty({ example: 'Martin' })
  @Trim() @IsString() @MinLength(1) @MaxLength(100)
  lastName: string;

  @ApiProperty({ example: 'Dr.' })
  @Trim() @IsString() @MinLength(1) @MaxLength(30)
  title: string;

  @ApiProperty({ enum: Specialty })
  @IsEnum(Specialty)
  specialty: Specialty;

  @ApiProperty({ example: ['fr', 'en'], type: [String] })
  @lowerEach() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ArrayUnique()
  @Matches(LANGUAGE, { each: true, message: 'code de langue ISO attendu (ex. fr)' })
  languages: string[];

  @ApiProperty({ example: 'Psychologue clinicienne, 12 ans de pratique en TCC.' })
  @Trim() @IsString() @MinLength(1) @MaxLength(5000)
  bio: string;

  @ApiPropertyOptional({ example: '10123456789', description: 'ADELI (9 chiffres) ou RPPS (11 chiffres), unique' })
  @IsOptional() @Trim() @Matches(PROFESSIONAL_ID, { message: 'numéro ADELI (9 chiffres) ou RPPS (11 chiffres) attendu' })
  professionalId?: string;

  @ApiPropertyOptional({ example: ['TCC', 'EMDR'], type: [String] })
  @IsOptional() @trimEach() @IsArray() @ArrayMaxSize(20) @ArrayUnique() @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(100, { each: true })
  subSpecialties?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: 70, description: "Années d'expérience" })
  @IsOptional() @IsInt() @Min(0) @Max(70)
  experience?: number;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @Trim() @IsString() @MaxLength(2000)
  education?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional() @trimEach() @IsArray() @ArrayMaxSize(30) @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(200, { each: true })
  diplomas?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional() @trimEach() @IsArray() @ArrayMaxSize(30) @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(200, { each: true })
  certifications?: string[];

  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() offersVideo?: boolean;
  @ApiPropertyOptional({ default: true, description: 'Format AUDIO' }) @IsOptional() @IsBoolean() offersPhone?: boolean;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() offersInPerson?: boolean;

  @ApiPropertyOptional({ description: 'Requis quand offersInPerson' })
  @ValidateIf((o: CreatePractitionerDto) => o.offersInPerson === true || o.inPersonAddress !== undefined)
  @Trim() @IsString() @IsNotEmpty({ message: 'adresse requise pour les consultations en cabinet' }) @MaxLength(300)
  inPersonAddress?: string;
}

/**
 * PR6 body: the fields SPEC §4.5 lets a practitioner edit. Specialty, professional id, validation,
 * documents and rating fields are absent on purpose: sending them is a 400 (unknown field).
 */
export class UpdatePractitionerMeDto {
  @ApiPropertyOptional({ example: 'Dr.' })
  @Present() @Trim() @IsString() @MinLength(1) @MaxLength(30)
  title?: string;

  @ApiPropertyOptional()
  @Present() @Trim() @IsString() @MinLength(1) @MaxLength(5000)
  bio?: string;

  @ApiPropertyOptional({ type: [String] })
  @Present() @trimEach() @IsArray() @ArrayMaxSize(20) @ArrayUnique() @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(100, { each: true })
  subSpecialties?: string[];

  @ApiPropertyOptional({ type: [String], example: ['fr', 'en'] })
  @Present() @lowerEach() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ArrayUnique()
  @Matches(LANGUAGE, { each: true, message: 'code de langue ISO attendu (ex. fr)' })
  languages?: string[];

  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 0, maximum: 70 })
  @IsOptional() @IsInt() @Min(0) @Max(70)
  experience?: number | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional() @Trim() @IsString() @MaxLength(2000)
  education?: string | null;

  @ApiPropertyOptional({ type: [String] })
  @Present() @trimEach() @IsArray() @ArrayMaxSize(30) @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(200, { each: true })
  diplomas?: string[];

  @ApiPropertyOptional({ type: [String] })
  @Present() @trimEach() @IsArray() @ArrayMaxSize(30) @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(200, { each: true })
  certifications?: string[];

  @ApiPropertyOptional({ nullable: true, type: String, example: '/api/files/6f1c2a4e-0b7d-4f39-9a39-2f1f0c7f3e11' })
  @IsOptional() @IsString() @Matches(MEDIA_URL, { message: 'URL https ou /api/files/<id> attendue' })
  avatarUrl?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional() @IsString() @Matches(MEDIA_URL, { message: 'URL https ou /api/files/<id> attendue' })
  coverUrl?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional() @IsString() @Matches(MEDIA_URL, { message: 'URL https ou /api/files/<id> attendue' })
  videoUrl?: string | null;

  @ApiPropertyOptional() @Present() @IsBoolean() offersVideo?: boolean;
  @ApiPropertyOptional({ description: 'Format AUDIO' }) @Present() @IsBoolean() offersPhone?: boolean;
  @ApiPropertyOptional() @Present() @IsBoolean() offersInPerson?: boolean;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'Requise tant que offersInPerson est vrai' })
  @IsOptional() @Trim() @IsString() @IsNotEmpty() @MaxLength(300)
  inPersonAddress?: string | null;

  @ApiPropertyOptional({ minimum: 15, maximum: 180, description: 'Durée par défaut des créneaux (minutes)' })
  @Present() @IsInt() @Min(15) @Max(180)
  defaultDuration?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 60, description: 'Battement entre deux consultations (minutes)' })
  @Present() @IsInt() @Min(0) @Max(60)
  bufferTime?: number;

  @ApiPropertyOptional({ example: 'Europe/Paris', description: 'Fuseau IANA' })
  @Present() @CanonicalTimeZone() @IsString() @Validate(IsIanaTimeZoneConstraint)
  timezone?: string;

  @ApiPropertyOptional() @Present() @IsBoolean() isAcceptingNewClients?: boolean;
}

export class ValidatePractitionerDto {
  @ApiProperty({ description: 'true = valider (visible dans la recherche), false = refuser' })
  @IsBoolean()
  validated: boolean;

  @ApiPropertyOptional({ maxLength: 1000, description: 'Motif (refus) : conservé sur les documents refusés, jamais envoyé par e-mail' })
  @IsOptional() @Trim() @IsString() @MaxLength(1000)
  notes?: string;
}

export class DocumentsVerifiedDto {
  @ApiProperty()
  @IsBoolean()
  documentsVerified: boolean;
}
