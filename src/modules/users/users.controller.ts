import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { AuthService } from '../auth/auth.service.js';
import { ChangePasswordDto, ChangePasswordResponseDto, NotificationPreferencesDto, UpdateNotificationPreferencesDto } from './dto/users.dto.js';
import { NotificationPreferencesService } from './notification-preferences.service.js';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors()
@Controller('users/me')
export class UsersController {
  constructor(
    private readonly auth: AuthService,
    private readonly preferences: NotificationPreferencesService,
  ) {}

  @Put('password')
  @ApiOperation({ summary: 'I7 — Changer son mot de passe (ferme les autres sessions)' })
  @ApiOkResponse({ type: ChangePasswordResponseDto })
  @ApiForbiddenResponse({ description: 'PASSWORD_INVALID' })
  changePassword(@CurrentUser() me: Identity, @Body() dto: ChangePasswordDto): Promise<ChangePasswordResponseDto> {
    return this.auth.changePassword(me, dto.currentPassword, dto.newPassword);
  }

  @Get('notification-preferences')
  @ApiOperation({ summary: 'I6 — Préférences de notification (par type, et invitations de calendrier)' })
  @ApiOkResponse({ type: NotificationPreferencesDto })
  getNotificationPreferences(@CurrentUser() me: Identity): Promise<NotificationPreferencesDto> {
    return this.preferences.list(me.userId);
  }

  @Put('notification-preferences')
  @ApiOperation({ summary: 'I6 — Modifier les préférences de notification' })
  @ApiOkResponse({ type: NotificationPreferencesDto })
  updateNotificationPreferences(@CurrentUser() me: Identity, @Body() dto: UpdateNotificationPreferencesDto): Promise<NotificationPreferencesDto> {
    return this.preferences.update(me.userId, dto.preferences ?? [], dto.calendarInvites);
  }
}
