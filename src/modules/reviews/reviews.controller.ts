import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { CurrentUser, Roles } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { PaginationQueryDto } from '../../common/pagination/pagination.js';
import { CreateReviewDto, ListReviewsQueryDto, ModerateReviewDto, PendingReviewListDto, ReviewListDto, ReviewResponseDto } from './dto/reviews.dto.js';
import { ReviewsService } from './reviews.service.js';

/** PR14/PR15 (employees rate after a completed consultation) and I2 (HuntZen moderation). HR never. */
@ApiTags('reviews')
@ApiBearerAuth()
@ApiErrors()
@Controller()
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Post('practitioners/:id/reviews')
  @Roles(Role.EMPLOYEE)
  @ApiOperation({ summary: 'PR14 — Évaluer un praticien après une consultation terminée (modération avant publication)' })
  @ApiCreatedResponse({ type: ReviewResponseDto })
  @ApiConflictResponse({ description: 'REVIEW_EXISTS' })
  @ApiNotFoundResponse({ description: 'Consultation inconnue, pas la mienne ou pas avec ce praticien' })
  async createReview(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateReviewDto): Promise<ReviewResponseDto> {
    return { review: await this.reviews.create(me, id, dto), message: 'Avis envoyé pour modération' };
  }

  @Get('practitioners/:id/reviews')
  @Roles(Role.EMPLOYEE, Role.PRACTITIONER, Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'PR15 — Avis publiés d’un praticien (anonymes)' })
  @ApiOkResponse({ type: ReviewListDto })
  listPractitionerReviews(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string, @Query() q: ListReviewsQueryDto): Promise<ReviewListDto> {
    return this.reviews.list(me, id, q);
  }

  @Get('reviews/pending')
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'I2 — Avis à modérer' })
  @ApiOkResponse({ type: PendingReviewListDto })
  listPendingReviews(@Query() q: PaginationQueryDto): Promise<PendingReviewListDto> {
    return this.reviews.pending(q);
  }

  @Put('reviews/:id/moderate')
  @Roles(Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'I2 — Publier ou rejeter un avis (moyenne et nombre recalculés)' })
  @ApiOkResponse({ type: ReviewResponseDto })
  async moderateReview(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ModerateReviewDto): Promise<ReviewResponseDto> {
    return { review: await this.reviews.moderate(me, id, dto.isPublished), message: dto.isPublished ? 'Avis publié' : 'Avis rejeté' };
  }
}
