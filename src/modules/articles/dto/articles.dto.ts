import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArticleCategory, ArticleStatus } from '@prisma/client';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsDate, IsEnum, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Trim } from '../../../common/http/transforms.js';
import { PageInfoDto, PaginationQueryDto } from '../../../common/pagination/pagination.js';

/** Lower-case ASCII words joined by single hyphens (what slugify produces). */
export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** An uploaded file (`/api/files/<uuid>`) or an https URL. */
const MEDIA_URL = /^(\/api\/files\/[0-9a-fA-F-]{36}|https:\/\/[^\s<>"']{1,500})$/;
export const ARTICLE_CONTENT_MAX = 200_000;

const toDate = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : value);
const trimEach = () => Transform(({ value }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim() : v)) : value));
/** `a,b` or repeated `?x=a&x=b` → ['a', 'b'] (trimmed, empty parts dropped). */
const Csv = () =>
  Transform(({ value }) => {
    if (value === undefined) return undefined;
    const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
    return parts.map((p) => (typeof p === 'string' ? p.trim() : p)).filter((p) => p !== '');
  });

export class CreateArticleDto {
  @ApiProperty({ maxLength: 200 }) @Trim() @IsString() @IsNotEmpty() @MaxLength(200) title: string;

  @ApiPropertyOptional({ maxLength: 100, description: "Généré depuis le titre s'il est absent (suffixe -2, -3… si pris) ; donné et déjà pris : 409" })
  @IsOptional() @Trim() @IsString() @MaxLength(100) @Matches(SLUG, { message: 'slug : minuscules, chiffres et tirets' })
  slug?: string;

  @ApiProperty({ maxLength: 500 }) @Trim() @IsString() @IsNotEmpty() @MaxLength(500) excerpt: string;

  @ApiProperty({ maxLength: ARTICLE_CONTENT_MAX, description: 'HTML nettoyé (titres, paragraphes, listes, liens, images https, emphase) ou Markdown' })
  @IsString() @IsNotEmpty() @MaxLength(ARTICLE_CONTENT_MAX)
  content: string;

  @ApiProperty({ enum: ArticleCategory }) @IsEnum(ArticleCategory) category: ArticleCategory;

  @ApiPropertyOptional({ type: [String], maxItems: 20 })
  @IsOptional() @trimEach() @IsArray() @ArrayMaxSize(20) @ArrayUnique() @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(40, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ description: 'Fichier importé (/api/files/<id>) ou URL https' })
  @IsOptional() @IsString() @Matches(MEDIA_URL, { message: 'URL https ou /api/files/<id> attendue' })
  coverUrl?: string;

  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @Trim() @IsString() @MaxLength(200) metaTitle?: string;
  @ApiPropertyOptional({ maxLength: 320 }) @IsOptional() @Trim() @IsString() @MaxLength(320) metaDescription?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 20 })
  @IsOptional() @trimEach() @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(100, { each: true })
  keywords?: string[];

  @ApiPropertyOptional({ enum: ArticleStatus, default: ArticleStatus.DRAFT, description: 'SCHEDULED exige scheduledFor dans le futur' })
  @IsOptional() @IsEnum(ArticleStatus)
  status?: ArticleStatus;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Seulement avec status=SCHEDULED' })
  @IsOptional() @Transform(toDate) @IsDate({ message: 'scheduledFor doit être une date ISO 8601 avec heure' })
  scheduledFor?: Date;
}

/** B5: any subset; the slug changes only when given (published URLs stay stable). */
export class UpdateArticleDto extends PartialType(CreateArticleDto) {}

export class ListArticlesQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: ArticleStatus, description: 'Administrateurs seulement ; forcé à PUBLISHED pour les autres' })
  @IsOptional() @IsEnum(ArticleStatus)
  status?: ArticleStatus;

  @ApiPropertyOptional({ enum: ArticleCategory }) @IsOptional() @IsEnum(ArticleCategory) category?: ArticleCategory;

  @ApiPropertyOptional({ type: [String], description: 'Au moins un de ces tags (a,b ou ?tags=a&tags=b)' })
  @IsOptional() @Csv() @IsArray() @ArrayMaxSize(10) @IsString({ each: true }) @MaxLength(40, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ maxLength: 200, description: 'Recherche plein texte en français, sans accents ni pluriels requis' })
  @IsOptional() @Trim() @IsString() @IsNotEmpty() @MaxLength(200)
  q?: string;
}

export class ArticleSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty() title: string;
  @ApiProperty() slug: string;
  @ApiProperty() excerpt: string;
  @ApiProperty({ nullable: true, type: String }) coverUrl: string | null;
  @ApiProperty({ enum: ArticleCategory }) category: ArticleCategory;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty() authorName: string;
  @ApiProperty({ enum: ArticleStatus }) status: ArticleStatus;
  @ApiProperty({ nullable: true, type: Date }) publishedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) scheduledFor: Date | null;
  @ApiProperty() viewCount: number;
  @ApiProperty() readingTimeMinutes: number;
}

export class ArticleDto extends ArticleSummaryDto {
  @ApiProperty({ description: 'HTML nettoyé' }) content: string;
  @ApiProperty({ nullable: true, type: String }) metaTitle: string | null;
  @ApiProperty({ nullable: true, type: String }) metaDescription: string | null;
  @ApiProperty({ type: [String] }) keywords: string[];
  @ApiProperty() shareCount: number;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class ArticleResponseDto {
  @ApiProperty({ type: ArticleDto }) article: ArticleDto;
}

export class ArticleListDto extends PageInfoDto {
  @ApiProperty({ type: [ArticleSummaryDto] }) articles: ArticleSummaryDto[];
}

export class ArticleViewDto {
  @ApiProperty() viewCount: number;
}
