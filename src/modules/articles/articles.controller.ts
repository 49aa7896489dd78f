import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { Public, PublicWithOptionalAuth, Roles } from '../../common/auth/decorators.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { MessageDto } from '../auth/dto/auth.dto.js';
import { ArticlesService } from './articles.service.js';
import { ArticleListDto, ArticleResponseDto, ArticleViewDto, CreateArticleDto, ListArticlesQueryDto, UpdateArticleDto } from './dto/articles.dto.js';

/** B1–B7 (SPEC §4.12): public reading; writing by SUPER_ADMIN and ADMIN_HUNTZEN (§11 B11). */
@ApiTags('articles')
@ApiErrors()
@Controller('articles')
export class ArticlesController {
  constructor(private readonly articles: ArticlesService) {}

  @Get()
  @PublicWithOptionalAuth()
  @ApiOperation({ summary: 'B1 — Articles publiés (recherche plein texte, catégorie, tags) ; tous statuts pour les auteurs' })
  @ApiOkResponse({ type: ArticleListDto })
  listArticles(@Query() q: ListArticlesQueryDto): Promise<ArticleListDto> {
    return this.articles.list(q);
  }

  @Get(':slug')
  @PublicWithOptionalAuth()
  @ApiOperation({ summary: 'B2 — Lire un article (compte une vue) ; brouillons visibles des seuls auteurs' })
  @ApiOkResponse({ type: ArticleResponseDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND : inconnu ou non publié' })
  async getArticle(@Param('slug') slug: string): Promise<ArticleResponseDto> {
    return { article: await this.articles.findBySlug(slug) };
  }

  @Put(':slug/view')
  @Public()
  @ApiOperation({ summary: 'B3 — Compter une vue pour une page servie depuis un cache (SSG)' })
  @ApiOkResponse({ type: ArticleViewDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND : inconnu ou non publié' })
  async recordArticleView(@Param('slug') slug: string): Promise<ArticleViewDto> {
    return { viewCount: await this.articles.recordView(slug) };
  }

  @Post()
  @ApiBearerAuth()
  @Roles(Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'B4 — Écrire un article (brouillon, publié ou programmé) ; HTML nettoyé' })
  @ApiCreatedResponse({ type: ArticleResponseDto })
  @ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
  @ApiConflictResponse({ description: 'ARTICLE_SLUG_TAKEN' })
  async createArticle(@Body() dto: CreateArticleDto): Promise<ArticleResponseDto> {
    return { article: await this.articles.create(dto) };
  }

  @Put(':id')
  @ApiBearerAuth()
  @Roles(Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'B5 — Modifier un article (partiel)' })
  @ApiOkResponse({ type: ArticleResponseDto })
  @ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  @ApiConflictResponse({ description: 'ARTICLE_SLUG_TAKEN' })
  async updateArticle(@UuidParam() id: string, @Body() dto: UpdateArticleDto): Promise<ArticleResponseDto> {
    return { article: await this.articles.update(id, dto) };
  }

  @Delete(':id')
  @ApiBearerAuth()
  @Roles(Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'B6 — Supprimer un article' })
  @ApiOkResponse({ type: MessageDto })
  @ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async deleteArticle(@UuidParam() id: string): Promise<MessageDto> {
    await this.articles.remove(id);
    return { message: 'Article supprimé' };
  }

  @Post(':id/publish')
  @HttpCode(HttpStatus.OK)
  @ApiBearerAuth()
  @Roles(Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN)
  @ApiOperation({ summary: 'B7 — Publier maintenant' })
  @ApiOkResponse({ type: ArticleResponseDto })
  @ApiForbiddenResponse({ description: 'FORBIDDEN (rôle)' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND' })
  async publishArticle(@UuidParam() id: string): Promise<ArticleResponseDto> {
    return { article: await this.articles.publish(id) };
  }
}
