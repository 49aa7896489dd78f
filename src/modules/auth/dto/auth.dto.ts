import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Role } from '@prisma/client';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength, MinLength } from 'class-validator';
import { NormalizeEmail, Trim } from '../../../common/http/transforms.js';
import { IsStrongPassword } from '../../../common/security/password-policy.js';

export class RegisterDto {
  @ApiProperty({ example: 'marc.dupont@techcorp.com' })
  @NormalizeEmail() @IsEmail({}, { message: 'adresse e-mail invalide' }) @MaxLength(254)
  email: string;

  @IsStrongPassword()
  password: string;

  @ApiPropertyOptional({ description: "Jeton d'invitation reçu par e-mail" })
  @IsOptional() @IsString() @MaxLength(200)
  invitationToken?: string;

  @ApiPropertyOptional({ example: 'Marc', description: 'Requis sans invitation' })
  @IsOptional() @Trim() @IsString() @MinLength(1) @MaxLength(100)
  firstName?: string;

  @ApiPropertyOptional({ example: 'Dupont', description: 'Requis sans invitation' })
  @IsOptional() @Trim() @IsString() @MinLength(1) @MaxLength(100)
  lastName?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'marc.dupont@techcorp.com' })
  @NormalizeEmail() @IsEmail({}, { message: 'adresse e-mail invalide' }) @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'Employee2025!' })
  @IsString() @MinLength(1) @MaxLength(128)
  password: string;

  @ApiPropertyOptional({ description: 'Code TOTP à 6 chiffres ou code de secours, requis si la 2FA est active' })
  @IsOptional() @IsString() @Matches(/^(\d{6}|[A-Za-z0-9]{4}-?[A-Za-z0-9]{4})$/, { message: 'code invalide' })
  mfaCode?: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString() @MinLength(10) @MaxLength(2000)
  refreshToken: string;
}

export class LogoutDto {
  @ApiPropertyOptional({ description: 'Ferme cette session seulement; sans lui, toutes les sessions' })
  @IsOptional() @IsString() @MinLength(10) @MaxLength(2000)
  refreshToken?: string;
}

export class EmailDto {
  @ApiProperty({ example: 'marc.dupont@techcorp.com' })
  @NormalizeEmail() @IsEmail({}, { message: 'adresse e-mail invalide' }) @MaxLength(254)
  email: string;
}

export class TokenDto {
  @ApiProperty()
  @IsString() @MinLength(10) @MaxLength(200)
  token: string;
}

export class ResetPasswordDto {
  @ApiProperty()
  @IsString() @MinLength(10) @MaxLength(200)
  token: string;

  @IsStrongPassword()
  newPassword: string;
}

export class TotpCodeDto {
  @ApiProperty({ example: '123456' })
  @IsString() @Length(6, 6) @Matches(/^\d{6}$/, { message: 'le code doit contenir 6 chiffres' })
  code: string;
}

export class DisableTwoFactorDto {
  @ApiProperty()
  @IsString() @MinLength(1) @MaxLength(128)
  password: string;

  @ApiProperty({ example: '123456', description: 'Code TOTP ou code de secours' })
  @IsString() @Matches(/^(\d{6}|[A-Za-z0-9]{4}-?[A-Za-z0-9]{4})$/, { message: 'code invalide' })
  code: string;
}

// ---- responses ----

export class AuthUserDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: Role }) role: Role;
  @ApiProperty({ nullable: true, type: String }) companyId: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) firstName?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) lastName?: string | null;
}

export class RegisteredUserDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: Role }) role: Role;
  @ApiProperty({ nullable: true, type: String }) companyId: string | null;
  @ApiProperty() isActive: boolean;
  @ApiProperty() emailVerified: boolean;
  @ApiProperty() createdAt: Date;
}

export class RegisterResponseDto {
  @ApiProperty({ type: RegisteredUserDto }) user: RegisteredUserDto;
  @ApiProperty() message: string;
}

export class TokenPairDto {
  @ApiProperty() accessToken: string;
  @ApiProperty() refreshToken: string;
}

export class LoginResponseDto extends TokenPairDto {
  @ApiProperty({ type: AuthUserDto }) user: AuthUserDto;
}

export class MessageDto {
  @ApiProperty() message: string;
}

export class MeDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: Role }) role: Role;
  @ApiProperty({ nullable: true, type: String }) companyId: string | null;
  @ApiProperty({ nullable: true, type: String }) firstName: string | null;
  @ApiProperty({ nullable: true, type: String }) lastName: string | null;
  @ApiProperty({ nullable: true, type: String }) avatarUrl: string | null;
  @ApiProperty() isActive: boolean;
  @ApiProperty() emailVerified: boolean;
  @ApiProperty() twoFactorEnabled: boolean;
  @ApiProperty({ nullable: true, type: Date }) lastLoginAt: Date | null;
}

export class TwoFactorSetupDto {
  @ApiProperty({ description: 'Secret base32 (à saisir si le QR code ne peut être scanné)' }) secret: string;
  @ApiProperty({ description: 'QR code en data URL PNG' }) qrCodeUrl: string;
  @ApiProperty({ description: 'URI otpauth://' }) otpauthUrl: string;
  @ApiProperty({ type: [String], description: '10 codes de secours à usage unique, affichés une seule fois' }) backupCodes: string[];
}

export class TwoFactorStatusDto {
  @ApiProperty() message: string;
  @ApiProperty() twoFactorEnabled: boolean;
}

export class VerifyEmailResponseDto {
  @ApiProperty() message: string;
  @ApiProperty({ description: "false tant qu'un RH doit encore activer le compte" }) isActive: boolean;
}
