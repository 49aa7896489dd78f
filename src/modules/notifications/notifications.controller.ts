import { Controller, Delete, Get, Param, ParseUUIDPipe, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { pageArgs, pageInfo } from '../../common/pagination/pagination.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { MessageDto } from '../auth/dto/auth.dto.js';
import { ListNotificationsQueryDto, NotificationListDto } from './dto/notifications.dto.js';

const SELECT = { id: true, type: true, title: true, message: true, linkUrl: true, linkLabel: true, isRead: true, readAt: true, createdAt: true } as const;

/** NO1–NO4: the caller's own notifications (RLS: user_id = caller; queries say so too). */
@ApiTags('notifications')
@ApiBearerAuth()
@ApiErrors()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly tenant: TenantPrisma) {}

  @Get()
  @ApiOperation({ summary: 'NO1 — Mes notifications (non expirées), avec le nombre de non lues' })
  @ApiOkResponse({ type: NotificationListDto })
  async listNotifications(@CurrentUser() me: Identity, @Query() q: ListNotificationsQueryDto): Promise<NotificationListDto> {
    const visible = { userId: me.userId, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] };
    const where = q.unread === undefined ? visible : { ...visible, isRead: !q.unread };
    const [notifications, total, unreadCount] = await Promise.all([
      this.tenant.db.notification.findMany({ where, select: SELECT, orderBy: { createdAt: 'desc' }, ...pageArgs(q) }),
      this.tenant.db.notification.count({ where }),
      this.tenant.db.notification.count({ where: { ...visible, isRead: false } }),
    ]);
    return { notifications, unreadCount, ...pageInfo(total, q) };
  }

  // static path before `:id`
  @Put('read-all')
  @ApiOperation({ summary: 'NO3 — Tout marquer comme lu' })
  @ApiOkResponse({ type: MessageDto })
  async markAllNotificationsRead(@CurrentUser() me: Identity): Promise<MessageDto> {
    const { count } = await this.tenant.db.notification.updateMany({ where: { userId: me.userId, isRead: false }, data: { isRead: true, readAt: new Date() } });
    return { message: `${count} notification(s) marquée(s) comme lue(s)` };
  }

  @Put(':id/read')
  @ApiOperation({ summary: 'NO2 — Marquer une notification comme lue' })
  @ApiOkResponse({ type: MessageDto })
  @ApiNotFoundResponse({ description: 'Pas une de mes notifications' })
  async markNotificationRead(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string): Promise<MessageDto> {
    const { count } = await this.tenant.db.notification.updateMany({ where: { id, userId: me.userId }, data: { isRead: true, readAt: new Date() } });
    if (count === 0) throw AppException.notFound('Notification introuvable');
    return { message: 'Notification marquée comme lue' };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'NO4 — Supprimer une notification' })
  @ApiOkResponse({ type: MessageDto })
  @ApiNotFoundResponse({ description: 'Pas une de mes notifications' })
  async deleteNotification(@CurrentUser() me: Identity, @Param('id', ParseUUIDPipe) id: string): Promise<MessageDto> {
    const { count } = await this.tenant.db.notification.deleteMany({ where: { id, userId: me.userId } });
    if (count === 0) throw AppException.notFound('Notification introuvable');
    return { message: 'Notification supprimée' };
  }
}
