import { Injectable } from '@nestjs/common';
import { Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { MediaColumn, ProfileMediaStore, slotOf } from '../../common/media/profile-media.js';
import type { TenantTx } from '../../infra/prisma/tenant-prisma.service.js';

const COLUMN = { primary: 'logoUrl', cover: 'coverUrl' } as const;

/** The company's logo and cover columns, written only here (C9/C10 uploads go through this). */
@Injectable()
export class CompanyMedia implements ProfileMediaStore {
  async read(tx: TenantTx, _me: Identity, id: string, column: MediaColumn) {
    const row = await tx.company.findFirst({ where: { id }, select: { logoUrl: true, coverUrl: true } });
    return slotOf(row && { primary: row.logoUrl, cover: row.coverUrl }, column);
  }

  async write(tx: TenantTx, _me: Identity, id: string, column: MediaColumn, url: string) {
    return (await tx.company.updateMany({ where: { id }, data: { [COLUMN[column]]: url } })).count;
  }

  async clear(tx: TenantTx, me: Identity, url: string) {
    if (me.role !== Role.ADMIN_RH || !me.companyId) return;
    for (const col of Object.values(COLUMN)) await tx.company.updateMany({ where: { id: me.companyId, [col]: url }, data: { [col]: null } });
  }
}
