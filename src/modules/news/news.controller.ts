import { Body, Controller, Delete, Get, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { Roles } from '../../common/auth/decorators.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { MessageDto } from '../auth/dto/auth.dto.js';
import { CreateNewsDto, ListNewsQueryDto, NewsListDto, NewsResponseDto, UpdateNewsDto } from './dto/news.dto.js';
import { NewsService } from './news.service.js';

/** N1–N5 (SPEC §4.13): HR of the company writes, its employees read (filtered by department). */
@ApiTags('news')
@ApiBearerAuth()
@ApiErrors()
@ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
@Controller('news')
export class NewsController {
  constructor(private readonly news: NewsService) {}

  @Post()
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'N1 — Publier une actualité (notifie les salariés visés)' })
  @ApiCreatedResponse({ type: NewsResponseDto })
  @ApiForbiddenResponse({ description: 'NEWS_DISABLED : actualités internes désactivées pour l’entreprise' })
  async createNews(@Body() dto: CreateNewsDto): Promise<NewsResponseDto> {
    return { news: await this.news.create(dto) };
  }

  @Get()
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'N2 — Actualités de mon entreprise (RH)' })
  @ApiOkResponse({ type: NewsListDto })
  listNews(@Query() q: ListNewsQueryDto): Promise<NewsListDto> {
    return this.news.listForCompany(q);
  }

  // static path before `:id`
  @Get('company')
  @Roles(Role.EMPLOYEE)
  @ApiOperation({ summary: 'N3 — Actualités de mon entreprise pour moi (tous ou mon département)' })
  @ApiOkResponse({ type: NewsListDto })
  getNewsFeed(@Query() q: ListNewsQueryDto): Promise<NewsListDto> {
    return this.news.feed(q);
  }

  @Put(':id')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'N4 — Modifier une actualité' })
  @ApiOkResponse({ type: NewsResponseDto })
  @ApiForbiddenResponse({ description: 'NEWS_DISABLED' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inconnue ou d’une autre entreprise)' })
  async updateNews(@UuidParam() id: string, @Body() dto: UpdateNewsDto): Promise<NewsResponseDto> {
    return { news: await this.news.update(id, dto) };
  }

  @Delete(':id')
  @Roles(Role.ADMIN_RH)
  @ApiOperation({ summary: 'N5 — Supprimer une actualité' })
  @ApiOkResponse({ type: MessageDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inconnue ou d’une autre entreprise)' })
  async deleteNews(@UuidParam() id: string): Promise<MessageDto> {
    await this.news.remove(id);
    return { message: 'Actualité supprimée' };
  }
}
