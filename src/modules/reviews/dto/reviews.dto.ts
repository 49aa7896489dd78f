import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { PaginationQueryDto, PageInfoDto } from '../../../common/pagination/pagination.js';

export class CreateReviewDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') consultationId: string;
  @ApiProperty({ minimum: 1, maximum: 5 }) @IsInt() @Min(1) @Max(5) rating: number;
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) comment?: string;
}

export class ModerateReviewDto {
  @ApiProperty() @IsBoolean() isPublished: boolean;
  @ApiPropertyOptional({ maxLength: 500, description: "Motif interne (jamais montré à l'auteur ni au praticien)" })
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class ListReviewsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Forcé à true hors administrateurs HuntZen' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  published?: boolean;
}

export class ReviewDto {
  @ApiProperty() id: string;
  @ApiProperty() rating: number;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ description: 'Toujours anonyme : qui consulte qui ne se divulgue pas' }) authorDisplay: string;
  @ApiProperty() isPublished: boolean;
  @ApiProperty() createdAt: Date;
}

export class ReviewResponseDto {
  @ApiProperty({ type: ReviewDto }) review: ReviewDto;
  @ApiProperty() message: string;
}

export class ReviewListDto extends PageInfoDto {
  @ApiProperty({ type: [ReviewDto] }) reviews: ReviewDto[];
  @ApiProperty({ nullable: true, type: Number }) averageRating: number | null;
  @ApiProperty() reviewCount: number;
}

export class PendingReviewDto extends ReviewDto {
  @ApiProperty() practitionerId: string;
  @ApiProperty() practitionerName: string;
}

export class PendingReviewListDto extends PageInfoDto {
  @ApiProperty({ type: [PendingReviewDto] }) reviews: PendingReviewDto[];
}

