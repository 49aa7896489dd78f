import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { Trim } from '../../../common/http/transforms.js';

export const MAX_COMPANY_CONTACTS = 10;
const PHONE = /^\+?[0-9][0-9 .()-]{1,24}$/;
const HTTPS_URL = /^https:\/\/[^\s<>"']{1,500}$/;

/** One employee-assistance contact of the company (EAP line, occupational physician, HR referent…). */
export class CompanyCrisisContactInputDto {
  @ApiProperty({ maxLength: 100, example: 'Cellule d’écoute psychologique (PAE)' })
  @Trim() @IsString() @IsNotEmpty() @MaxLength(100)
  label: string;

  @ApiPropertyOptional({ example: '01 23 45 67 89', description: 'Téléphone ou URL : au moins l’un des deux' })
  @ValidateIf((o: CompanyCrisisContactInputDto) => o.phone !== undefined || o.url === undefined)
  @Trim() @IsString({ message: 'téléphone ou URL requis' }) @Matches(PHONE, { message: 'numéro de téléphone invalide' })
  phone?: string;

  @ApiPropertyOptional({ example: 'https://pae.example.fr' })
  @IsOptional() @Trim() @IsString() @Matches(HTTPS_URL, { message: 'URL https attendue' })
  url?: string;

  @ApiPropertyOptional({ maxLength: 100, example: '24h/24, 7j/7' })
  @IsOptional() @Trim() @IsString() @IsNotEmpty() @MaxLength(100)
  hours?: string;
}

export class UpdateCompanyCrisisContactsDto {
  @ApiProperty({ type: [CompanyCrisisContactInputDto], maxItems: MAX_COMPANY_CONTACTS, description: 'Remplace la liste entière ; [] la vide' })
  @IsArray() @ArrayMaxSize(MAX_COMPANY_CONTACTS) @ValidateNested({ each: true }) @Type(() => CompanyCrisisContactInputDto)
  contacts: CompanyCrisisContactInputDto[];
}

export class CompanyCrisisContactDto {
  @ApiProperty() label: string;
  @ApiProperty({ nullable: true, type: String }) phone: string | null;
  @ApiProperty({ nullable: true, type: String }) url: string | null;
  @ApiProperty({ nullable: true, type: String }) hours: string | null;
}

export class CrisisLineDto {
  @ApiProperty() label: string;
  @ApiProperty() phone: string;
  @ApiProperty({ nullable: true, type: String }) url: string | null;
  @ApiProperty() hours: string;
  @ApiProperty() description: string;
}

export class CrisisResourcesDto {
  @ApiProperty({ type: [CrisisLineDto], description: 'Numéros d’urgence nationaux (France)' }) national: CrisisLineDto[];
  @ApiProperty({ type: [CompanyCrisisContactDto], description: 'Contacts d’aide de mon entreprise (vide sans entreprise)' }) company: CompanyCrisisContactDto[];
}
