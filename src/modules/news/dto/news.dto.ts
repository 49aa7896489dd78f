import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Trim } from '../../../common/http/transforms.js';
import { PageInfoDto, PaginationQueryDto } from '../../../common/pagination/pagination.js';

/** An uploaded file (`/api/files/<uuid>`) or an https URL. */
const MEDIA_URL = /^(\/api\/files\/[0-9a-fA-F-]{36}|https:\/\/[^\s<>"']{1,500})$/;
const trimEach = () => Transform(({ value }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim() : v)) : value));

export class CreateNewsDto {
  @ApiProperty({ maxLength: 200 }) @Trim() @IsString() @IsNotEmpty() @MaxLength(200) title: string;

  @ApiProperty({ maxLength: 50_000, description: 'HTML nettoyé (titres, paragraphes, listes, liens, images https, emphase)' })
  @IsString() @IsNotEmpty() @MaxLength(50_000)
  content: string;

  @ApiPropertyOptional({ description: 'Fichier importé (/api/files/<id>) ou URL https' })
  @IsOptional() @IsString() @Matches(MEDIA_URL, { message: 'URL https ou /api/files/<id> attendue' })
  imageUrl?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 50, description: 'Départements visés (ceux des salariés de l’entreprise) ; vide = tous' })
  @IsOptional() @trimEach() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(100, { each: true })
  targetDepartments?: string[];
}

/** N4: any subset; changing it notifies nobody again. */
export class UpdateNewsDto extends PartialType(CreateNewsDto) {}

export class ListNewsQueryDto extends PaginationQueryDto {}

export class NewsDto {
  @ApiProperty() id: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'HTML nettoyé' }) content: string;
  @ApiProperty({ nullable: true, type: String }) imageUrl: string | null;
  @ApiProperty() authorName: string;
  @ApiProperty({ type: [String] }) targetDepartments: string[];
  @ApiProperty() publishedAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class NewsResponseDto {
  @ApiProperty({ type: NewsDto }) news: NewsDto;
}

export class NewsListDto extends PageInfoDto {
  @ApiProperty({ type: [NewsDto] }) news: NewsDto[];
}
