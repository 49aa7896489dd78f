import { Injectable } from '@nestjs/common';
import { AuditAction, ConsultationStatus, Prisma, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { pgError } from '../../infra/prisma/db-errors.js';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import { PractitionerRecords } from '../practitioners/practitioner-records.service.js';
import type { CreateReviewDto, ListReviewsQueryDto, PendingReviewListDto, ReviewDto, ReviewListDto } from './dto/reviews.dto.js';

/**
 * Reviews (PR14, PR15, I2; US-11.1). The author is never shown, not even as "first name + initial":
 * on a small company's staff that would tell colleagues who consults which psychologist (the more
 * restrictive reading of SPEC §4.5). Admins moderate content without learning the author either.
 */
const ANONYMOUS = 'Patient vérifié';
const SELECT = { id: true, rating: true, comment: true, isPublished: true, createdAt: true } as const;

@Injectable()
export class ReviewsService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly audit: AuditService,
    private readonly practitioners: PractitionerRecords,
  ) {}

  async create(me: Identity, practitionerId: string, dto: CreateReviewDto): Promise<ReviewDto> {
    const consultation = await this.tenant.db.consultation.findFirst({
      where: { id: dto.consultationId, employeeId: me.employeeId!, practitionerId },
      select: { id: true, status: true },
    });
    if (!consultation) throw AppException.notFound('Consultation introuvable pour ce praticien');
    if (consultation.status !== ConsultationStatus.COMPLETED) {
      throw AppException.badRequest(ErrorCode.CONSULTATION_NOT_COMPLETED, 'Seule une consultation terminée peut être évaluée', [{ field: 'consultationId', message: 'consultation non terminée' }]);
    }
    try {
      const review = await this.tenant.tx(async (tx) => {
        const created = await tx.practitionerReview.create({
          data: { practitionerId, employeeId: me.employeeId!, consultationId: consultation.id, rating: dto.rating, comment: dto.comment?.trim() || null },
          select: SELECT,
        });
        await this.audit.record({ action: AuditAction.CREATE, resource: 'review', resourceId: created.id, isSensitive: true, details: { event: 'REVIEW_SUBMITTED' } }, tx);
        return created;
      });
      return this.toDto(review);
    } catch (e) {
      if (pgError(e).code === '23505') throw AppException.conflict(ErrorCode.REVIEW_EXISTS, 'Cette consultation a déjà été évaluée');
      throw e;
    }
  }

  /** PR15: published reviews (admins may ask for all), with the practitioner's published average. */
  async list(me: Identity, practitionerId: string, q: ListReviewsQueryDto): Promise<ReviewListDto> {
    const practitioner = await this.tenant.db.practitioner.findFirst({
      where: { id: practitionerId, ...(me.role === Role.ADMIN_HUNTZEN || me.practitionerId === practitionerId ? {} : { isValidated: true, isActive: true }) },
      select: { averageRating: true, reviewCount: true },
    });
    if (!practitioner) throw AppException.notFound('Praticien introuvable');
    const publishedOnly = me.role !== Role.ADMIN_HUNTZEN || q.published !== false;
    const where: Prisma.PractitionerReviewWhereInput = { practitionerId, ...(publishedOnly ? { isPublished: true } : {}) };
    const [rows, total] = await Promise.all([
      this.tenant.db.practitionerReview.findMany({ where, select: SELECT, orderBy: { createdAt: 'desc' }, ...pageArgs(q) }),
      this.tenant.db.practitionerReview.count({ where }),
    ]);
    return { reviews: rows.map((r) => this.toDto(r)), averageRating: practitioner.averageRating, reviewCount: practitioner.reviewCount, ...pageInfo(total, q) };
  }

  async pending(q: { page: number; limit: number }): Promise<PendingReviewListDto> {
    const where = { isPublished: false, moderatedAt: null };
    const [rows, total] = await Promise.all([
      this.tenant.db.practitionerReview.findMany({
        where,
        select: { ...SELECT, practitionerId: true, practitioner: { select: { title: true, firstName: true, lastName: true } } },
        orderBy: { createdAt: 'asc' },
        ...pageArgs(q),
      }),
      this.tenant.db.practitionerReview.count({ where }),
    ]);
    return {
      reviews: rows.map((r) => ({ ...this.toDto(r), practitionerId: r.practitionerId, practitionerName: `${r.practitioner.title} ${r.practitioner.firstName} ${r.practitioner.lastName}` })),
      ...pageInfo(total, q),
    };
  }

  /** I2: publish or reject; the practitioner's average and count are recomputed from published reviews. */
  async moderate(me: Identity, id: string, isPublished: boolean): Promise<ReviewDto> {
    const review = await this.tenant.tx(async (tx) => {
      const existing = await tx.practitionerReview.findUnique({ where: { id }, select: { id: true, practitionerId: true } });
      if (!existing) throw AppException.notFound('Avis introuvable');
      const updated = await tx.practitionerReview.update({ where: { id }, data: { isPublished, moderatedAt: new Date(), moderatedBy: me.userId }, select: SELECT });
      await this.recomputeRating(tx, existing.practitionerId);
      await this.audit.record({ action: AuditAction.VALIDATE, resource: 'review', resourceId: id, details: { event: isPublished ? 'REVIEW_PUBLISHED' : 'REVIEW_REJECTED' } }, tx);
      return updated;
    });
    return this.toDto(review);
  }

  private async recomputeRating(tx: TenantTx, practitionerId: string): Promise<void> {
    const agg = await tx.practitionerReview.aggregate({ where: { practitionerId, isPublished: true }, _avg: { rating: true }, _count: true });
    await this.practitioners.setRating(tx, practitionerId, agg._avg.rating, agg._count);
  }

  private toDto(r: { id: string; rating: number; comment: string | null; isPublished: boolean; createdAt: Date }): ReviewDto {
    return { id: r.id, rating: r.rating, comment: r.comment, authorDisplay: ANONYMOUS, isPublished: r.isPublished, createdAt: r.createdAt };
  }
}
