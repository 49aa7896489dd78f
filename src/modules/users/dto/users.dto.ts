import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NotificationType } from '@prisma/client';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsEnum, IsOptional, IsString, MaxLength, MinLength, ValidateIf, ValidateNested } from 'class-validator';
import { IsStrongPassword } from '../../../common/security/password-policy.js';

export class ChangePasswordDto {
  @ApiProperty()
  @IsString() @MinLength(1) @MaxLength(128)
  currentPassword: string;

  @IsStrongPassword()
  newPassword: string;
}

export class ChangePasswordResponseDto {
  @ApiProperty() message: string;
  @ApiProperty({ description: 'Nouveau jeton d’accès (les anciens sont invalidés)' }) accessToken: string;
  @ApiProperty() refreshToken: string;
}

export class NotificationPreferenceDto {
  @ApiProperty({ enum: NotificationType }) @IsEnum(NotificationType) type: NotificationType;
  @ApiProperty() @IsBoolean() inApp: boolean;
  @ApiProperty() @IsBoolean() email: boolean;
}

export class NotificationPreferencePatchDto {
  @ApiProperty({ enum: NotificationType }) @IsEnum(NotificationType) type: NotificationType;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() inApp?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() email?: boolean;
}

const CALENDAR_INVITES_DOC =
  "Joindre une invitation de calendrier (titre neutre « Rendez-vous ») aux e-mails de réservation, d'annulation et de report. " +
  "Désactivé par défaut : une boîte professionnelle peut l'ajouter à un agenda visible de l'employeur.";

export class UpdateNotificationPreferencesDto {
  @ApiPropertyOptional({ type: [NotificationPreferencePatchDto], description: 'Requis sauf si calendarInvites est fourni' })
  // required unless the body only switches calendarInvites
  @ValidateIf((o: UpdateNotificationPreferencesDto) => o.calendarInvites === undefined || o.preferences !== undefined)
  @IsArray() @ValidateNested({ each: true }) @Type(() => NotificationPreferencePatchDto)
  @ArrayMinSize(1) @ArrayMaxSize(50)
  preferences?: NotificationPreferencePatchDto[];

  @ApiPropertyOptional({ description: CALENDAR_INVITES_DOC }) @IsOptional() @IsBoolean() calendarInvites?: boolean;
}

export class NotificationPreferencesDto {
  @ApiProperty({ type: [NotificationPreferenceDto] }) preferences: NotificationPreferenceDto[];
  @ApiProperty({ description: CALENDAR_INVITES_DOC, default: false }) calendarInvites: boolean;
}
