import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { CompanySize } from '@prisma/client';
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
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { NormalizeEmail, QueryBoolean, Trim } from '../../../common/http/transforms.js';
import { PaginationQueryDto, PageInfoDto } from '../../../common/pagination/pagination.js';

/** Present ⇒ validated, and null is refused: for columns that cannot be cleared. */
const Present = () => ValidateIf((_: unknown, v: unknown) => v !== undefined);

const HEX_COLOR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;
// "@" + a host name with at least one dot; compared lower-cased (SPEC §3.2.3).
const EMAIL_DOMAIN = /^@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const normalizeDomains = () =>
  Transform(({ value }) => (Array.isArray(value) ? value.map((d) => (typeof d === 'string' ? d.trim().toLowerCase() : d)) : value));

/** Fields HR (ADMIN_RH) may edit on its own company (SPEC §4.3 C4, §11 B13). Everything else is ADMIN_HUNTZEN's. */
export const RH_EDITABLE_COMPANY_FIELDS = [
  'name',
  'primaryColor',
  'secondaryColor',
  'contactEmail',
  'contactPhone',
  'websiteUrl',
  'address',
  'postalCode',
  'city',
  'country',
  'allowInternalNews',
] as const;

/** C4/C8 body: every field optional; null clears a nullable field. */
export class UpdateCompanyDto {
  @ApiPropertyOptional({ example: 'TechCorp France' })
  @Present() @Trim() @IsString() @MinLength(2) @MaxLength(120)
  name?: string;

  @ApiPropertyOptional({ example: 'TechCorp France SAS', nullable: true, type: String })
  @IsOptional() @Trim() @IsString() @MaxLength(200)
  legalName?: string | null;

  @ApiPropertyOptional({ example: '12345678900012', description: '14 chiffres, unique', nullable: true, type: String })
  @IsOptional() @Trim() @IsString() @Matches(/^\d{14}$/, { message: 'le SIRET doit contenir 14 chiffres' })
  siret?: string | null;

  @ApiPropertyOptional({ example: ['@techcorp.com', '@techcorp.fr'], description: 'Domaines autorisés, avec "@" ; non vide', type: [String] })
  @Present() @normalizeDomains() @IsArray() @ArrayMinSize(1, { message: 'au moins un domaine e-mail est requis' }) @ArrayMaxSize(20)
  @ArrayUnique({ message: 'domaines en double' })
  @IsString({ each: true }) @Matches(EMAIL_DOMAIN, { each: true, message: 'chaque domaine doit être de la forme @domaine.tld' })
  emailDomains?: string[];

  @ApiPropertyOptional({ example: 'Technologies', nullable: true, type: String })
  @IsOptional() @Trim() @IsString() @MaxLength(100)
  sector?: string | null;

  @ApiPropertyOptional({ enum: CompanySize, nullable: true })
  @IsOptional() @IsEnum(CompanySize)
  size?: CompanySize | null;

  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @Trim() @IsString() @MaxLength(200)
  address?: string | null;

  @ApiPropertyOptional({ example: '75017', nullable: true, type: String }) @IsOptional() @Trim() @IsString() @MaxLength(20)
  postalCode?: string | null;

  @ApiPropertyOptional({ example: 'Paris', nullable: true, type: String }) @IsOptional() @Trim() @IsString() @MaxLength(100)
  city?: string | null;

  @ApiPropertyOptional({ example: 'France' }) @Present() @Trim() @IsString() @MinLength(2) @MaxLength(100)
  country?: string;

  @ApiPropertyOptional({ example: 'rh@techcorp.com', nullable: true, type: String })
  @IsOptional() @NormalizeEmail() @IsEmail({}, { message: 'adresse e-mail invalide' }) @MaxLength(254)
  contactEmail?: string | null;

  @ApiPropertyOptional({ example: '+33 1 23 45 67 89', nullable: true, type: String })
  @IsOptional() @Trim() @IsString() @Matches(/^[+0-9 ().-]{6,25}$/, { message: 'numéro de téléphone invalide' })
  contactPhone?: string | null;

  @ApiPropertyOptional({ example: 'https://techcorp.com', nullable: true, type: String })
  @IsOptional() @Trim() @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'URL invalide' }) @MaxLength(300)
  websiteUrl?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, pattern: '^#[0-9A-Fa-f]{6}$', example: '#4A90E2' }) @IsOptional() @Matches(HEX_COLOR, { message: 'couleur hexadécimale attendue (#RRGGBB)' })
  primaryColor?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, pattern: '^#[0-9A-Fa-f]{6}$', example: '#5BC0DE' }) @IsOptional() @Matches(HEX_COLOR, { message: 'couleur hexadécimale attendue (#RRGGBB)' })
  secondaryColor?: string | null;

  @ApiPropertyOptional() @Present() @IsBoolean()
  autoApproveEmployees?: boolean;

  @ApiPropertyOptional() @Present() @IsBoolean()
  requireEmailVerification?: boolean;

  @ApiPropertyOptional() @Present() @IsBoolean()
  allowInternalNews?: boolean;

  @ApiPropertyOptional({ minimum: 1, nullable: true, type: Number, description: 'Nombre maximal de salariés (sièges)' })
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000)
  maxEmployees?: number | null;

  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @NormalizeEmail() @IsEmail({}, { message: 'adresse e-mail invalide' }) @MaxLength(254)
  billingEmail?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @Trim() @IsString() @MaxLength(300)
  billingAddress?: string | null;

  @ApiPropertyOptional({ description: 'ADMIN_HUNTZEN : true valide (C5), false suspend (I9)' }) @Present() @IsBoolean()
  isActive?: boolean;
}

/** C1 body: `name` and a non-empty `emailDomains` are required; activation goes through C5 only. */
export class CreateCompanyDto extends OmitType(UpdateCompanyDto, ['name', 'emailDomains', 'isActive'] as const) {
  @ApiProperty({ example: 'TechCorp France' })
  @Trim() @IsString() @MinLength(2) @MaxLength(120)
  name: string;

  @ApiProperty({ example: ['@techcorp.com'], type: [String] })
  @normalizeDomains() @IsArray() @ArrayMinSize(1, { message: 'au moins un domaine e-mail est requis' }) @ArrayMaxSize(20)
  @ArrayUnique({ message: 'domaines en double' })
  @IsString({ each: true }) @Matches(EMAIL_DOMAIN, { each: true, message: 'chaque domaine doit être de la forme @domaine.tld' })
  emailDomains: string[];
}

export class ListCompaniesQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: "'true' ou 'false'" })
  @IsOptional() @QueryBoolean() @IsBoolean({ message: "isActive doit valoir 'true' ou 'false'" })
  isActive?: boolean;

  @ApiPropertyOptional({ description: 'Recherche dans le nom' })
  @IsOptional() @Trim() @IsString() @MinLength(1) @MaxLength(100)
  q?: string;
}

// ---- responses ----

export class CompanyDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty({ nullable: true, type: String }) legalName: string | null;
  @ApiProperty({ nullable: true, type: String }) siret: string | null;
  @ApiProperty({ type: [String] }) emailDomains: string[];
  @ApiProperty({ nullable: true, type: String }) sector: string | null;
  @ApiProperty({ enum: CompanySize, nullable: true }) size: CompanySize | null;
  @ApiProperty({ nullable: true, type: String }) address: string | null;
  @ApiProperty({ nullable: true, type: String }) postalCode: string | null;
  @ApiProperty({ nullable: true, type: String }) city: string | null;
  @ApiProperty() country: string;
  @ApiProperty({ nullable: true, type: String }) logoUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) coverUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) primaryColor: string | null;
  @ApiProperty({ nullable: true, type: String }) secondaryColor: string | null;
  @ApiProperty({ nullable: true, type: String }) contactEmail: string | null;
  @ApiProperty({ nullable: true, type: String }) contactPhone: string | null;
  @ApiProperty({ nullable: true, type: String }) websiteUrl: string | null;
  @ApiProperty() autoApproveEmployees: boolean;
  @ApiProperty() requireEmailVerification: boolean;
  @ApiProperty() allowInternalNews: boolean;
  @ApiProperty({ nullable: true, type: Number }) maxEmployees: number | null;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ nullable: true, type: Date }) validatedAt: Date | null;
  @ApiProperty({ nullable: true, type: String, description: 'Utilisateur ADMIN_HUNTZEN' }) validatedBy: string | null;
  @ApiProperty({ nullable: true, type: Date }) suspendedAt: Date | null;
  @ApiProperty({ nullable: true, type: String }) billingEmail: string | null;
  @ApiProperty({ nullable: true, type: String }) billingAddress: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class CompanyResponseDto {
  @ApiProperty({ type: CompanyDto }) company: CompanyDto;
}

export class CompanyWithMessageDto extends CompanyResponseDto {
  @ApiProperty() message: string;
}

export class CompanySummaryDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ nullable: true, type: Date }) validatedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) suspendedAt: Date | null;
  @ApiProperty() createdAt: Date;
}

export class CompanyListDto extends PageInfoDto {
  @ApiProperty({ type: [CompanySummaryDto] }) companies: CompanySummaryDto[];
}

export class CompanyMessageDto {
  @ApiProperty() message: string;
}
