import { Injectable } from '@nestjs/common';
import { NotificationType } from '@prisma/client';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import type { NotificationPreferencePatchDto, NotificationPreferencesDto } from './dto/users.dto.js';

/**
 * I6: per-type in-app / e-mail switches (no row means both on, US-9.1) and per-user settings (no row
 * means the defaults: calendar invitations off). The notification worker applies both.
 */
@Injectable()
export class NotificationPreferencesService {
  constructor(private readonly tenant: TenantPrisma) {}

  async list(userId: string): Promise<NotificationPreferencesDto> {
    const [rows, settings] = await Promise.all([
      this.tenant.db.notificationPreference.findMany({ where: { userId } }),
      this.tenant.db.notificationSettings.findUnique({ where: { userId } }),
    ]);
    const byType = new Map(rows.map((r) => [r.type, r]));
    return {
      preferences: Object.values(NotificationType).map((type) => ({
        type,
        inApp: byType.get(type)?.inApp ?? true,
        email: byType.get(type)?.email ?? true,
      })),
      calendarInvites: settings?.calendarInvites ?? false,
    };
  }

  async update(userId: string, patches: NotificationPreferencePatchDto[], calendarInvites?: boolean): Promise<NotificationPreferencesDto> {
    await this.tenant.tx(async (tx) => {
      if (calendarInvites !== undefined) {
        await tx.notificationSettings.upsert({ where: { userId }, create: { userId, calendarInvites }, update: { calendarInvites } });
      }
      for (const p of patches) {
        const values = { ...(p.inApp !== undefined ? { inApp: p.inApp } : {}), ...(p.email !== undefined ? { email: p.email } : {}) };
        await tx.notificationPreference.upsert({
          where: { userId_type: { userId, type: p.type } },
          create: { userId, type: p.type, inApp: p.inApp ?? true, email: p.email ?? true },
          update: values,
        });
      }
    });
    return this.list(userId);
  }

  /** Whether `userId` wants `type` by e-mail (used by the notification senders). */
  async wantsEmail(userId: string, type: NotificationType): Promise<boolean> {
    const row = await this.tenant.db.notificationPreference.findUnique({ where: { userId_type: { userId, type } } });
    return row?.email ?? true;
  }
}
