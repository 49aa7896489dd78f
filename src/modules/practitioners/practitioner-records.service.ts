import { Injectable } from '@nestjs/common';
import type { Identity } from '../../common/context/request-context.js';
import { MediaColumn, ProfileMediaStore, slotOf } from '../../common/media/profile-media.js';
import type { TenantTx } from '../../infra/prisma/tenant-prisma.service.js';

const COLUMN = { primary: 'avatarUrl', cover: 'coverUrl' } as const;

/**
 * Every write other modules need on the practitioners table, in their transaction: pictures (PR7/PR8),
 * documents (PR9), the rating recomputed by reviews and the session counter kept by consultations.
 */
@Injectable()
export class PractitionerRecords implements ProfileMediaStore {
  async read(tx: TenantTx, _me: Identity, id: string, column: MediaColumn) {
    const row = await tx.practitioner.findFirst({ where: { id }, select: { avatarUrl: true, coverUrl: true } });
    return slotOf(row && { primary: row.avatarUrl, cover: row.coverUrl }, column);
  }

  async write(tx: TenantTx, _me: Identity, id: string, column: MediaColumn, url: string) {
    return (await tx.practitioner.updateMany({ where: { id }, data: { [COLUMN[column]]: url } })).count;
  }

  async clear(tx: TenantTx, me: Identity, url: string) {
    if (!me.practitionerId) return;
    for (const col of Object.values(COLUMN)) await tx.practitioner.updateMany({ where: { id: me.practitionerId, [col]: url }, data: { [col]: null } });
  }

  /** Appends a document URL; 0 when the row is not the caller's. */
  async appendDocument(tx: TenantTx, practitionerId: string, url: string): Promise<number> {
    return (await tx.practitioner.updateMany({ where: { id: practitionerId }, data: { documentUrls: { push: url } } })).count;
  }

  /** Average (one decimal) and count of published reviews, recomputed by the reviews module. */
  async setRating(tx: TenantTx, practitionerId: string, average: number | null, count: number): Promise<void> {
    await tx.practitioner.update({
      where: { id: practitionerId },
      data: { averageRating: average === null ? null : Math.round(average * 10) / 10, reviewCount: count },
      select: { id: true },
    });
  }

  /** One more completed session (CO10). */
  async countCompletedSession(tx: TenantTx, practitionerId: string): Promise<void> {
    await tx.practitioner.update({ where: { id: practitionerId }, data: { totalConsultations: { increment: 1 } }, select: { id: true } });
  }
}
