import { Injectable } from '@nestjs/common';
import type { Identity } from '../../common/context/request-context.js';
import { MediaColumn, ProfileMediaStore, slotOf } from '../../common/media/profile-media.js';
import type { TenantTx } from '../../infra/prisma/tenant-prisma.service.js';

const COLUMN = { primary: 'avatarUrl', cover: 'coverUrl' } as const;

/** The employee's avatar and cover columns, written only here (E7/E8 uploads go through this). */
@Injectable()
export class EmployeeMedia implements ProfileMediaStore {
  async read(tx: TenantTx, me: Identity, id: string, column: MediaColumn) {
    const row = await tx.employee.findFirst({ where: { id, companyId: me.companyId! }, select: { avatarUrl: true, coverUrl: true } });
    return slotOf(row && { primary: row.avatarUrl, cover: row.coverUrl }, column);
  }

  async write(tx: TenantTx, me: Identity, id: string, column: MediaColumn, url: string) {
    return (await tx.employee.updateMany({ where: { id, companyId: me.companyId! }, data: { [COLUMN[column]]: url } })).count;
  }

  async clear(tx: TenantTx, me: Identity, url: string) {
    if (!me.employeeId) return;
    for (const col of Object.values(COLUMN)) await tx.employee.updateMany({ where: { id: me.employeeId, [col]: url }, data: { [col]: null } });
  }
}
