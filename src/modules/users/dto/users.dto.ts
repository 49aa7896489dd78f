import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NotificationType } from '@prisma/client';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEnum, IsOptional, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
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

export class UpdateNotificationPreferencesDto {
  @ApiProperty({ type: [NotificationPreferencePatchDto] })
  @ValidateNested({ each: true }) @Type(() => NotificationPreferencePatchDto)
  @ArrayMinSize(1) @ArrayMaxSize(50)
  preferences: NotificationPreferencePatchDto[];
}

export class NotificationPreferencesDto {
  @ApiProperty({ type: [NotificationPreferenceDto] }) preferences: NotificationPreferenceDto[];
}
