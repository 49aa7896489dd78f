import { Injectable } from '@nestjs/common';
import { AuditAction, NotificationType, Prisma } from '@prisma/client';
import { RequestContext } from '../../common/context/request-context.service.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { plainText, sanitizeRichText } from '../../common/security/html-sanitizer.js';
import { AppConfig } from '../../config/app-config.service.js';
import { OutboxService, type OutboxEffect } from '../../infra/outbox/outbox.service.js';
import { TenantPrisma, type TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { CreateNewsDto, ListNewsQueryDto, NewsDto, NewsListDto, UpdateNewsDto } from './dto/news.dto.js';

const AUTHOR_NAME = 'Ressources humaines';
/** Recipients per notification job (a large company is several jobs). */
const RECIPIENTS_PER_JOB = 500;
const SELECT = { id: true, title: true, content: true, imageUrl: true, authorName: true, targetDepartments: true, publishedAt: true, updatedAt: true } as const;

const notFound = () => AppException.notFound('Actualité introuvable');
const invalid = (field: string, message: string) => AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Données invalides', [{ field, message }]);

/**
 * Company-internal news (SPEC §4.13 N1–N5, §11 C13): written by the HR admins of a company that allows
 * it, published at once, read by that company's employees in the targeted departments (RLS filters the
 * same way). Every query carries the caller's company, so another company's id matches nothing (404).
 */
@Injectable()
export class NewsService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly ctx: RequestContext,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {}

  // ---------- N1 ----------
  /** Publishes and, in the same transaction, queues NEWS_PUBLISHED for the targeted employees (outbox). */
  async create(dto: CreateNewsDto): Promise<NewsDto> {
    const me = this.ctx.requireIdentity;
    const content = await cleanContent(dto.content);
    let outboxIds: string[] = [];
    const news = await this.tenant.tx(async (tx) => {
      const company = await this.companyAllowingNews(tx, me.companyId!);
      const targetDepartments = await this.resolveDepartments(tx, me.companyId!, dto.targetDepartments);
      const created = await tx.news.create({
        data: { companyId: me.companyId!, title: dto.title, content, imageUrl: dto.imageUrl ?? null, authorId: me.userId, authorName: AUTHOR_NAME, targetDepartments },
        select: SELECT,
      });
      await this.audit.record({ action: AuditAction.CREATE, resource: 'news', resourceId: created.id, details: { event: 'NEWS_PUBLISHED', targeted: targetDepartments.length > 0 } }, tx);
      const recipients = await tx.employee.findMany({
        where: { companyId: me.companyId!, ...(targetDepartments.length ? { department: { in: targetDepartments } } : {}), user: { isActive: true, deletedAt: null } },
        select: { userId: true },
      });
      outboxIds = await this.outbox.add(tx, this.notifications(created.id, company.name, recipients.map((r) => r.userId)));
      return created;
    });
    await this.outbox.deliver(outboxIds);
    return news;
  }

  // ---------- N2 ----------
  async listForCompany(q: ListNewsQueryDto): Promise<NewsListDto> {
    const me = this.ctx.requireIdentity;
    return this.page({ companyId: me.companyId! }, q);
  }

  // ---------- N3 ----------
  /** The employee's feed: its company's news addressed to everyone or to its department. */
  async feed(q: ListNewsQueryDto): Promise<NewsListDto> {
    const me = this.ctx.requireIdentity;
    const employee = await this.tenant.db.employee.findUnique({ where: { id: me.employeeId! }, select: { department: true } });
    const audience: Prisma.NewsWhereInput[] = [{ targetDepartments: { isEmpty: true } }];
    if (employee?.department) audience.push({ targetDepartments: { has: employee.department } });
    return this.page({ companyId: me.companyId!, OR: audience }, q);
  }

  // ---------- N4 ----------
  async update(id: string, dto: UpdateNewsDto): Promise<NewsDto> {
    const me = this.ctx.requireIdentity;
    const content = dto.content !== undefined ? await cleanContent(dto.content) : undefined;
    return this.tenant.tx(async (tx) => {
      const existing = await tx.news.findFirst({ where: { id, companyId: me.companyId! }, select: { id: true } });
      if (!existing) throw notFound();
      await this.companyAllowingNews(tx, me.companyId!);
      const updated = await tx.news.update({
        where: { id },
        data: {
          ...(dto.title !== undefined ? { title: dto.title } : {}),
          ...(content !== undefined ? { content } : {}),
          ...(dto.imageUrl !== undefined ? { imageUrl: dto.imageUrl } : {}),
          ...(dto.targetDepartments !== undefined ? { targetDepartments: await this.resolveDepartments(tx, me.companyId!, dto.targetDepartments) } : {}),
        },
        select: SELECT,
      });
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'news', resourceId: id, details: { event: 'NEWS_UPDATED' } }, tx);
      return updated;
    });
  }

  // ---------- N5 ----------
  /** Allowed even once news are switched off, so HR can take old items down. */
  async remove(id: string): Promise<void> {
    const me = this.ctx.requireIdentity;
    await this.tenant.tx(async (tx) => {
      const { count } = await tx.news.deleteMany({ where: { id, companyId: me.companyId! } });
      if (count === 0) throw notFound();
      await this.audit.record({ action: AuditAction.DELETE, resource: 'news', resourceId: id, details: { event: 'NEWS_DELETED' } }, tx);
    });
  }

  private async page(where: Prisma.NewsWhereInput, q: ListNewsQueryDto): Promise<NewsListDto> {
    const [news, total] = await Promise.all([
      this.tenant.db.news.findMany({ where, select: SELECT, orderBy: [{ publishedAt: 'desc' }, { id: 'asc' }], ...pageArgs(q) }),
      this.tenant.db.news.count({ where }),
    ]);
    return { news, ...pageInfo(total, q) };
  }

  private async companyAllowingNews(tx: TenantTx, companyId: string): Promise<{ name: string }> {
    const company = await tx.company.findUnique({ where: { id: companyId }, select: { name: true, allowInternalNews: true } });
    if (!company?.allowInternalNews) throw AppException.forbidden(ErrorCode.NEWS_DISABLED, "Les actualités internes ne sont pas activées pour votre entreprise");
    return company;
  }

  /**
   * The departments as the company's employee records spell them (matched without regard to case), or
   * 400 naming each one no employee of the company belongs to.
   */
  private async resolveDepartments(tx: TenantTx, companyId: string, requested: string[] | undefined): Promise<string[]> {
    if (!requested?.length) return [];
    const rows = await tx.employee.findMany({
      where: { companyId, department: { in: requested, mode: 'insensitive' } },
      distinct: ['department'],
      select: { department: true },
    });
    const known = new Map(rows.map((r) => [r.department!.toLowerCase(), r.department!]));
    const details = requested.flatMap((d, i) => (known.has(d.toLowerCase()) ? [] : [{ field: `targetDepartments.${i}`, message: 'aucun salarié de l’entreprise dans ce département' }]));
    if (details.length) throw AppException.badRequest(ErrorCode.UNKNOWN_DEPARTMENT, 'Département inconnu', details);
    return [...new Set(requested.map((d) => known.get(d.toLowerCase())!))];
  }

  /** Generic text only: neither the title nor the content of the news leaves the app. */
  private notifications(newsId: string, companyName: string, userIds: string[]): OutboxEffect[] {
    const link = new URL('/news', this.config.get('FRONTEND_URL')).toString();
    const effects: OutboxEffect[] = [];
    for (let i = 0; i < userIds.length; i += RECIPIENTS_PER_JOB) {
      effects.push({
        topic: 'notify',
        payload: {
          userIds: userIds.slice(i, i + RECIPIENTS_PER_JOB),
          type: NotificationType.NEWS_PUBLISHED,
          title: 'Nouvelle actualité',
          message: 'Votre entreprise a publié une nouvelle actualité.',
          linkUrl: '/news',
          metadata: { newsId },
          mail: { template: 'news-published', data: { companyName, link } },
        },
      });
    }
    return effects;
  }
}

async function cleanContent(html: string): Promise<string> {
  const content = await sanitizeRichText(html);
  if (!(await plainText(content))) throw invalid('content', 'contenu vide une fois le HTML nettoyé');
  return content;
}
