import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ConsentType, ConsultationFormat, ConsultationStatus, DeletionRequestStatus, NotificationType, Role } from '@prisma/client';
import { IsEnum, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Trim } from '../../../common/http/transforms.js';

// ───────────── U1 export ─────────────

export const EXPORT_FORMATS = ['json', 'pdf'] as const;
export type PersonalDataFormat = (typeof EXPORT_FORMATS)[number];

export class ExportPersonalDataQueryDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, enumName: 'PersonalDataExportFormat', default: 'json', description: 'json (accès, portabilité) ou pdf (copie lisible)' })
  @IsOptional() @IsIn(EXPORT_FORMATS, { message: 'json ou pdf' })
  format: PersonalDataFormat = 'json';
}

export class ExportedProfileDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: Role, enumName: 'Role' }) role: Role;
  @ApiProperty() isActive: boolean;
  @ApiProperty() emailVerified: boolean;
  @ApiProperty() twoFactorEnabled: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastLoginAt: Date | null;
  @ApiProperty({ type: String, nullable: true }) companyName: string | null;
  @ApiProperty({ type: String, nullable: true }) firstName: string | null;
  @ApiProperty({ type: String, nullable: true }) lastName: string | null;
  @ApiProperty({ type: String, nullable: true }) phoneNumber: string | null;
  @ApiProperty({ type: String, nullable: true }) department: string | null;
  @ApiProperty({ type: String, nullable: true }) position: string | null;
  @ApiProperty({ type: String, nullable: true }) bio: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) birthDate: Date | null;
  @ApiProperty({ type: String, nullable: true }) preferredLanguage: string | null;
  @ApiProperty({ type: String, nullable: true }) timezone: string | null;
}

export class ExportedMessageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'true : message envoyé par moi' }) mine: boolean;
  @ApiProperty({ enum: Role, enumName: 'Role' }) senderRole: Role;
  @ApiProperty({ type: String, nullable: true, description: 'Texte déchiffré ; null si la clé a été détruite (effacement)' }) content: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty() isDeleted: boolean;
}

export class ExportedConsultationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, format: 'date-time' }) scheduledAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) scheduledEndAt: Date;
  @ApiProperty({ type: 'integer' }) duration: number;
  @ApiProperty({ enum: ConsultationFormat, enumName: 'ConsultationFormat' }) format: ConsultationFormat;
  @ApiProperty({ enum: ConsultationStatus, enumName: 'ConsultationStatus' }) status: ConsultationStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endedAt: Date | null;
  @ApiProperty({ type: 'integer', nullable: true }) actualDuration: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) cancelledAt: Date | null;
  @ApiProperty({ type: String, nullable: true }) cancelReason: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Le praticien (pour un salarié)' }) practitioner: string | null;
  @ApiProperty({ type: [ExportedMessageDto] }) messages: ExportedMessageDto[];
}

export class ExportedJournalEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() content: string;
  @ApiProperty({ type: String, nullable: true }) mood: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

export class ExportedNotificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: NotificationType, enumName: 'NotificationType' }) type: NotificationType;
  @ApiProperty() title: string;
  @ApiProperty() message: string;
  @ApiProperty() isRead: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}

export class ExportedFileDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() originalName: string;
  @ApiProperty() mimeType: string;
  @ApiProperty({ type: 'integer' }) size: number;
  @ApiProperty() fileType: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}

export class ConsentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ConsentType, enumName: 'ConsentType' }) type: ConsentType;
  @ApiProperty({ example: '1.0' }) version: string;
  @ApiProperty({ type: String, format: 'date-time' }) givenAt: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) withdrawnAt: Date | null;
}

export class ExportedDeletionRequestDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: DeletionRequestStatus, enumName: 'DeletionRequestStatus' }) status: DeletionRequestStatus;
  @ApiProperty({ type: String, format: 'date-time' }) requestedAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) deletionDate: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) confirmedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) cancelledAt: Date | null;
}

/** U1: everything about the caller — no clinical notes (the practitioner's record), no secrets (hashes, keys). */
export class PersonalDataExportDto {
  @ApiProperty({ type: String, format: 'date-time' }) exportedAt: Date;
  @ApiProperty({ type: ExportedProfileDto }) profile: ExportedProfileDto;
  @ApiProperty({ type: [ExportedConsultationDto], description: 'Métadonnées et messages déchiffrés, sans notes cliniques' }) consultations: ExportedConsultationDto[];
  @ApiProperty({ type: [ExportedJournalEntryDto] }) journal: ExportedJournalEntryDto[];
  @ApiProperty({ type: [ExportedNotificationDto] }) notifications: ExportedNotificationDto[];
  @ApiProperty({ type: [ConsentDto] }) consents: ConsentDto[];
  @ApiProperty({ type: [ExportedFileDto] }) files: ExportedFileDto[];
  @ApiProperty({ type: [ExportedDeletionRequestDto] }) deletionRequests: ExportedDeletionRequestDto[];
}

// ───────────── U2 / U3 deletion ─────────────

export class CreateDeletionRequestDto {
  @ApiProperty({ description: 'Mot de passe actuel (ré-authentification)' })
  @IsString() @IsNotEmpty({ message: 'mot de passe requis' }) @MaxLength(256)
  password: string;

  @ApiPropertyOptional({ maxLength: 1000, description: 'Motif libre, jamais journalisé ; effacé au traitement' })
  @IsOptional() @Trim() @IsString() @MaxLength(1000, { message: '1000 caractères au plus' })
  reason?: string;
}

export class DeletionRequestCreatedDto {
  @ApiProperty({ example: 'Demande enregistrée : confirmez-la avec le code reçu par e-mail ; suppression dans 30 jours' }) message: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'Date de suppression ; annulable jusque-là' }) cancellableUntil: Date;
  @ApiProperty({ type: String, format: 'date-time', description: 'Le code de confirmation expire à cette date' }) confirmationExpiresAt: Date;
}

export class ConfirmDeletionRequestDto {
  @ApiProperty({ description: 'Code reçu par e-mail (aussi dans le lien)', example: 'q3Zr…' })
  @IsString() @IsNotEmpty({ message: 'code requis' }) @MaxLength(128) @Matches(/^[A-Za-z0-9_-]+$/, { message: 'code invalide' })
  token: string;
}

export class DeletionRequestConfirmedDto {
  @ApiProperty() message: string;
  @ApiProperty({ type: String, format: 'date-time' }) cancellableUntil: Date;
}

export class DeletionRequestCancelledDto {
  @ApiProperty({ example: 'Demande de suppression annulée' }) message: string;
}

export class DeletionRequestStatusDto {
  @ApiProperty({ type: ExportedDeletionRequestDto, nullable: true, description: 'La demande en cours (PENDING), ou null' })
  deletionRequest: ExportedDeletionRequestDto | null;
}

// ───────────── consents (§3.3 proposal) ─────────────

export class GiveConsentDto {
  @ApiProperty({ enum: ConsentType, enumName: 'ConsentType' })
  @IsEnum(ConsentType, { message: `un de ${Object.values(ConsentType).join(', ')}` })
  type: ConsentType;

  @ApiProperty({ example: '1.0', description: 'La version du texte affiché ; seule la version en vigueur est acceptée' })
  @IsString() @Matches(/^\d{1,3}(\.\d{1,3}){0,2}$/, { message: 'version au format 1.0' })
  version: string;
}

export class ConsentTypeParamDto {
  @ApiProperty({ enum: ConsentType, enumName: 'ConsentType' })
  @IsEnum(ConsentType, { message: `un de ${Object.values(ConsentType).join(', ')}` })
  type: ConsentType;
}

export class ConsentResponseDto {
  @ApiProperty({ type: ConsentDto }) consent: ConsentDto;
}

export class ConsentListDto {
  @ApiProperty({ example: '1.0', description: 'Version en vigueur des textes' }) currentVersion: string;
  @ApiProperty({ type: [ConsentDto], description: 'Historique, plus récents d’abord (retraits inclus)' }) consents: ConsentDto[];
}
