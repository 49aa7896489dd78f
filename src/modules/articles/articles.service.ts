import { Injectable } from '@nestjs/common';
import { Article, ArticleStatus, AuditAction, Prisma, Role } from '@prisma/client';
import { RequestContext } from '../../common/context/request-context.service.js';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode, type ErrorDetail } from '../../common/errors/error-codes.js';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { plainText, readingTimeMinutes, sanitizeRichText } from '../../common/security/html-sanitizer.js';
import { firstFreeSlug, slugify } from '../../common/text/slugify.js';
import { uniqueViolation } from '../../infra/prisma/db-errors.js';
import { PrismaService } from '../../infra/prisma/prisma.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import { SLUG, type ArticleDto, type ArticleListDto, type ArticleSummaryDto, type CreateArticleDto, type ListArticlesQueryDto, type UpdateArticleDto } from './dto/articles.dto.js';

const AUTHORS: Role[] = [Role.SUPER_ADMIN, Role.ADMIN_HUNTZEN];
const AUTHOR_NAME = 'Équipe HuntZen';
const SLUG_MAX_LENGTH = 80;
const SLUG_ATTEMPTS = 5;

const SUMMARY = {
  id: true, title: true, slug: true, excerpt: true, coverUrl: true, category: true, tags: true, authorName: true,
  status: true, publishedAt: true, scheduledFor: true, viewCount: true, readingTimeMinutes: true,
} as const satisfies Prisma.ArticleSelect;

const isAuthor = (me: Identity | undefined) => !!me && AUTHORS.includes(me.role);
const invalid = (field: string, message: string) => AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field, message }]);
const notFound = () => AppException.notFound('Article introuvable');
const slugTaken = () => AppException.conflict(ErrorCode.ARTICLE_SLUG_TAKEN, 'Un article utilise déjà ce slug', [{ field: 'slug', message: 'déjà utilisé' }]);

/**
 * The blog (SPEC §4.12 B1–B7, §11 A12, B11). Visitors and non-authors see PUBLISHED articles only (RLS
 * says so too, with or without a caller); SUPER_ADMIN and ADMIN_HUNTZEN write and preview everything.
 * Content is sanitised HTML; search is PostgreSQL French full text, accent-insensitive.
 */
@Injectable()
export class ArticlesService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly prisma: PrismaService,
    private readonly ctx: RequestContext,
    private readonly audit: AuditService,
  ) {}

  /** One transaction as the caller, or with no context at all for anonymous visitors (RLS: published only). */
  private read<T>(fn: (db: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.ctx.identity ? this.tenant.tx(fn) : this.prisma.$transaction(fn);
  }

  // ---------- B1 ----------
  async list(q: ListArticlesQueryDto): Promise<ArticleListDto> {
    const where: Prisma.ArticleWhereInput = {
      status: isAuthor(this.ctx.identity) ? q.status : ArticleStatus.PUBLISHED,
      ...(q.category ? { category: q.category } : {}),
      ...(q.tags?.length ? { tags: { hasSome: q.tags.map((t) => t.toLowerCase()) } } : {}),
    };
    return this.read(async (db) => {
      if (q.q) {
        // same expression as articles_fulltext_fr_idx, so the GIN index answers
        const hits = await db.$queryRaw<{ id: string }[]>`
          SELECT id FROM articles
          WHERE article_search_document(title, excerpt, content) @@ websearch_to_tsquery('french', fr_unaccent(${q.q}))`;
        where.id = { in: hits.map((h) => h.id) };
      }
      const rows = await db.article.findMany({
        where,
        select: SUMMARY,
        orderBy: [{ publishedAt: { sort: 'desc', nulls: 'last' } }, { createdAt: 'desc' }, { id: 'asc' }],
        ...pageArgs(q),
      });
      const total = await db.article.count({ where });
      return { articles: rows.map(toSummary), ...pageInfo(total, q) };
    });
  }

  // ---------- B2 ----------
  /** A published article counts one view (A12); authors may preview any status, without counting. */
  async findBySlug(slug: string): Promise<ArticleDto> {
    if (!SLUG.test(slug)) throw notFound();
    return this.read(async (db) => {
      const article = await db.article.findFirst({ where: { slug, ...(isAuthor(this.ctx.identity) ? {} : { status: ArticleStatus.PUBLISHED }) } });
      if (!article) throw notFound();
      if (article.status === ArticleStatus.PUBLISHED) article.viewCount = (await recordView(db, slug)) ?? article.viewCount;
      return toDto(article);
    });
  }

  // ---------- B3 ----------
  /** For pages rendered from a cache (SSG), which never call B2 (A12). */
  async recordView(slug: string): Promise<number> {
    if (!SLUG.test(slug)) throw notFound();
    const views = await this.read((db) => recordView(db, slug));
    if (views === null) throw notFound();
    return views;
  }

  // ---------- B4 ----------
  async create(dto: CreateArticleDto): Promise<ArticleDto> {
    const me = this.ctx.requireIdentity;
    const status = dto.status ?? ArticleStatus.DRAFT;
    const content = await cleanContent(dto.content);
    const scheduledFor = checkSchedule(status, dto.scheduledFor, dto.scheduledFor);
    const base = dto.slug ?? slugify(dto.title, 'article', SLUG_MAX_LENGTH);
    for (let attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) {
      const slug = dto.slug ?? (await this.freeSlug(base));
      try {
        const article = await this.tenant.tx(async (tx) => {
          const created = await tx.article.create({
            data: {
              title: dto.title,
              slug,
              excerpt: dto.excerpt,
              content,
              readingTimeMinutes: await readingTimeMinutes(content),
              coverUrl: dto.coverUrl ?? null,
              metaTitle: dto.metaTitle || null,
              metaDescription: dto.metaDescription || null,
              keywords: dto.keywords ?? [],
              category: dto.category,
              tags: normalizeTags(dto.tags) ?? [],
              status,
              publishedAt: status === ArticleStatus.PUBLISHED ? new Date() : null,
              scheduledFor,
              authorId: me.userId,
              authorRole: me.role,
              authorName: AUTHOR_NAME,
            },
          });
          await this.audit.record({ action: AuditAction.CREATE, resource: 'article', resourceId: created.id, details: { event: status === ArticleStatus.PUBLISHED ? 'ARTICLE_PUBLISHED' : 'ARTICLE_CREATED', status } }, tx);
          return created;
        });
        return toDto(article);
      } catch (e) {
        if (!uniqueViolation(e)?.some((f) => f.includes('slug'))) throw e;
        if (dto.slug) throw slugTaken();
        // another request took this slug between our read and our insert: pick the next one
      }
    }
    throw AppException.conflict(ErrorCode.CONFLICT, 'Impossible de générer un slug unique, réessayez');
  }

  // ---------- B5 ----------
  async update(id: string, dto: UpdateArticleDto): Promise<ArticleDto> {
    try {
      return await this.tenant.tx(async (tx) => {
        const existing = await tx.article.findUnique({ where: { id } });
        if (!existing) throw notFound();
        const status = dto.status ?? existing.status;
        const scheduleTouched = dto.status !== undefined || dto.scheduledFor !== undefined;
        const data: Prisma.ArticleUpdateInput = {
          ...(dto.title !== undefined ? { title: dto.title } : {}),
          ...(dto.slug !== undefined ? { slug: dto.slug } : {}),
          ...(dto.excerpt !== undefined ? { excerpt: dto.excerpt } : {}),
          ...(dto.category !== undefined ? { category: dto.category } : {}),
          ...(dto.coverUrl !== undefined ? { coverUrl: dto.coverUrl } : {}),
          ...(dto.metaTitle !== undefined ? { metaTitle: dto.metaTitle || null } : {}),
          ...(dto.metaDescription !== undefined ? { metaDescription: dto.metaDescription || null } : {}),
          ...(dto.keywords !== undefined ? { keywords: dto.keywords } : {}),
          ...(dto.tags !== undefined ? { tags: normalizeTags(dto.tags) } : {}),
        };
        if (dto.content !== undefined) {
          data.content = await cleanContent(dto.content);
          data.readingTimeMinutes = await readingTimeMinutes(data.content);
        }
        if (scheduleTouched) {
          data.status = status;
          data.scheduledFor = checkSchedule(status, dto.scheduledFor ?? existing.scheduledFor ?? undefined, dto.scheduledFor);
          if (status === ArticleStatus.PUBLISHED && existing.status !== ArticleStatus.PUBLISHED) data.publishedAt = new Date();
          if (status === ArticleStatus.DRAFT || status === ArticleStatus.SCHEDULED) data.publishedAt = null;
        }
        const updated = await tx.article.update({ where: { id }, data });
        const published = updated.status === ArticleStatus.PUBLISHED && existing.status !== ArticleStatus.PUBLISHED;
        await this.audit.record({ action: AuditAction.UPDATE, resource: 'article', resourceId: id, details: { event: published ? 'ARTICLE_PUBLISHED' : 'ARTICLE_UPDATED', status: updated.status } }, tx);
        return toDto(updated);
      });
    } catch (e) {
      if (uniqueViolation(e)?.some((f) => f.includes('slug'))) throw slugTaken();
      throw e;
    }
  }

  // ---------- B6 ----------
  async remove(id: string): Promise<void> {
    await this.tenant.tx(async (tx) => {
      const { count } = await tx.article.deleteMany({ where: { id } });
      if (count === 0) throw notFound();
      await this.audit.record({ action: AuditAction.DELETE, resource: 'article', resourceId: id, details: { event: 'ARTICLE_DELETED' } }, tx);
    });
  }

  // ---------- B7 ----------
  /** Publishes now (a scheduled date is dropped); an already published article keeps its date. */
  async publish(id: string): Promise<ArticleDto> {
    return this.tenant.tx(async (tx) => {
      const existing = await tx.article.findUnique({ where: { id }, select: { status: true } });
      if (!existing) throw notFound();
      if (existing.status === ArticleStatus.PUBLISHED) return toDto(await tx.article.findUniqueOrThrow({ where: { id } }));
      const updated = await tx.article.update({ where: { id }, data: { status: ArticleStatus.PUBLISHED, publishedAt: new Date(), scheduledFor: null } });
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'article', resourceId: id, details: { event: 'ARTICLE_PUBLISHED', status: updated.status } }, tx);
      return toDto(updated);
    });
  }

  private async freeSlug(base: string): Promise<string> {
    const rows = await this.tenant.db.article.findMany({ where: { slug: { startsWith: base } }, select: { slug: true } });
    return firstFreeSlug(base, rows.map((r) => r.slug));
  }
}

/** Increments the view counter of a published article (SECURITY DEFINER function); null when there is none. */
async function recordView(db: Prisma.TransactionClient, slug: string): Promise<number | null> {
  const [row] = await db.$queryRaw<{ views: number | null }[]>`SELECT article_record_view(${slug}) AS views`;
  return row?.views ?? null;
}

async function cleanContent(html: string): Promise<string> {
  const content = await sanitizeRichText(html);
  if (!(await plainText(content))) throw invalid('content', 'contenu vide une fois le HTML nettoyé');
  return content;
}

/**
 * The scheduled date to store: required and in the future for SCHEDULED, refused with any other status.
 * `effective` is the date the article will have, `given` the one in the request (checked when present).
 */
function checkSchedule(status: ArticleStatus, effective: Date | undefined, given: Date | undefined): Date | null {
  if (status !== ArticleStatus.SCHEDULED) {
    if (given !== undefined) throw invalid('scheduledFor', 'seulement avec status=SCHEDULED');
    return null;
  }
  const details: ErrorDetail[] = [];
  if (!effective) details.push({ field: 'scheduledFor', message: 'obligatoire avec status=SCHEDULED' });
  else if (effective.getTime() <= Date.now()) details.push({ field: 'scheduledFor', message: 'doit être dans le futur' });
  if (details.length) throw AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', details);
  return effective!;
}

const normalizeTags = (tags: string[] | undefined) => (tags ? [...new Set(tags.map((t) => t.toLowerCase()))] : undefined);

function toSummary(a: Prisma.ArticleGetPayload<{ select: typeof SUMMARY }>): ArticleSummaryDto {
  return {
    id: a.id,
    title: a.title,
    slug: a.slug,
    excerpt: a.excerpt,
    coverUrl: a.coverUrl,
    category: a.category,
    tags: a.tags,
    authorName: a.authorName,
    status: a.status,
    publishedAt: a.publishedAt,
    scheduledFor: a.scheduledFor,
    viewCount: a.viewCount,
    readingTimeMinutes: a.readingTimeMinutes,
  };
}

function toDto(a: Article): ArticleDto {
  return {
    ...toSummary(a),
    content: a.content,
    metaTitle: a.metaTitle,
    metaDescription: a.metaDescription,
    keywords: a.keywords,
    shareCount: a.shareCount,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}
