import { QueryInstant } from '../../../common/http/transforms.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ConsultationEventType, ConsultationFormat, ConsultationStatus, Specialty } from '@prisma/client';
import { Transform } from 'class-transformer';
import { IsBoolean, IsDate, IsEnum, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { PaginationQueryDto, PageInfoDto } from '../../../common/pagination/pagination.js';

const toDate = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : value);
const toStatusList = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value);

export class BookConsultationDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('4') practitionerId: string;

  @ApiProperty({ example: '2026-12-01T09:00:00.000Z', description: 'Début du créneau (ISO 8601)' })
  @Transform(toDate) @IsDate({ message: 'scheduledAt doit être une date ISO 8601 avec heure' })
  scheduledAt: Date;

  @ApiPropertyOptional({ default: 50, description: 'Minutes; doit être la durée du créneau' })
  @IsOptional() @IsInt() @Min(15) @Max(180)
  duration?: number;

  @ApiProperty({ enum: ConsultationFormat }) @IsEnum(ConsultationFormat) format: ConsultationFormat;
}

export class CancelConsultationDto {
  @ApiPropertyOptional({ maxLength: 1000, description: 'Visible des deux participants uniquement' })
  @IsOptional() @IsString() @MaxLength(1000)
  reason?: string;

  @ApiPropertyOptional({ description: 'Requis à moins de 24 h du rendez-vous' })
  @IsOptional() @IsBoolean()
  confirmLateCancellation?: boolean;
}

export class RescheduleConsultationDto {
  @ApiProperty({ example: '2026-12-02T10:00:00.000Z' })
  @Transform(toDate) @IsDate({ message: 'scheduledAt doit être une date ISO 8601 avec heure' })
  scheduledAt: Date;

  @ApiPropertyOptional({ description: 'Requis à moins de 24 h du rendez-vous actuel' })
  @IsOptional() @IsBoolean()
  confirmLateReschedule?: boolean;
}

export class NoShowDto {
  @ApiPropertyOptional({ enum: ['employee', 'practitioner'], default: 'employee', description: 'La partie absente' })
  @IsOptional() @IsIn(['employee', 'practitioner'])
  absentParty?: 'employee' | 'practitioner';
}

export class RoomEventDto {
  @ApiProperty({ enum: ['ROOM_JOINED', 'ROOM_LEFT'] })
  @IsIn(['ROOM_JOINED', 'ROOM_LEFT'], { message: 'event doit valoir ROOM_JOINED ou ROOM_LEFT' })
  event: 'ROOM_JOINED' | 'ROOM_LEFT';
}

export class ListConsultationsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Liste de statuts séparés par des virgules', example: 'SCHEDULED,CONFIRMED' })
  @IsOptional() @Transform(toStatusList) @IsEnum(ConsultationStatus, { each: true })
  status?: ConsultationStatus[];

  @ApiPropertyOptional({ type: String, example: '2026-12-01', description: 'Depuis : date-heure ISO 8601, ou jour `AAAA-MM-JJ` (début du jour, Europe/Paris)' })
  @IsOptional() @QueryInstant('start') @IsDate({ message: 'from doit être une date AAAA-MM-JJ ou une date-heure ISO 8601' }) from?: Date;

  @ApiPropertyOptional({ type: String, example: '2026-12-31', description: 'Jusqu’à : date-heure ISO 8601, ou jour `AAAA-MM-JJ` (inclus, Europe/Paris)' })
  @IsOptional() @QueryInstant('end') @IsDate({ message: 'to doit être une date AAAA-MM-JJ ou une date-heure ISO 8601' }) to?: Date;

  @ApiPropertyOptional({ enum: ['upcoming', 'past'] })
  @IsOptional() @IsIn(['upcoming', 'past']) tab?: 'upcoming' | 'past';
}

// ---- responses ----

export class PractitionerSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: Specialty }) specialty: Specialty;
  @ApiProperty({ nullable: true, type: String }) avatarUrl: string | null;
}

export class EmployeeSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ nullable: true, type: String, description: "Nom de l'entreprise (vu par le praticien)" }) companyName: string | null;
}

export class ConsultationDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ConsultationStatus }) status: ConsultationStatus;
  @ApiProperty({ enum: ConsultationFormat }) format: ConsultationFormat;
  @ApiProperty() scheduledAt: Date;
  @ApiProperty() scheduledEndAt: Date;
  @ApiProperty({ description: 'Minutes prévues' }) duration: number;
  @ApiProperty({ nullable: true, type: Date }) startedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) endedAt: Date | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Minutes réelles (trigger SQL)' }) actualDuration: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Secondes réelles (trigger SQL)' }) actualDurationSeconds: number | null;
  @ApiProperty({ nullable: true, type: String }) roomName: string | null;
  @ApiProperty() canJoin: boolean;
  @ApiProperty() canCancel: boolean;
  @ApiProperty({ description: 'Annuler maintenant demanderait une confirmation (fenêtre de 24 h)' }) lateCancellation: boolean;
  @ApiProperty({ nullable: true, type: Date }) cancelledAt: Date | null;
  @ApiProperty({ nullable: true, type: String, enum: ['EMPLOYEE', 'PRACTITIONER'] }) cancelledByRole: string | null;
  @ApiProperty({ nullable: true, type: String }) cancelReason: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) cancelledWithin24h: boolean | null;
  @ApiProperty({ nullable: true, type: Date }) noShowAt: Date | null;
  @ApiProperty({ nullable: true, type: String }) noShowBy: string | null;
  @ApiProperty({ type: PractitionerSummaryDto }) practitioner: PractitionerSummaryDto;
  @ApiProperty({ type: EmployeeSummaryDto }) employee: EmployeeSummaryDto;
  @ApiProperty() createdAt: Date;
}

export class ConsultationResponseDto {
  @ApiProperty({ type: ConsultationDto }) consultation: ConsultationDto;
  @ApiProperty() message: string;
}

export class EndConsultationResponseDto extends ConsultationResponseDto {
  @ApiProperty({ description: 'Minutes (trigger SQL)' }) actualDuration: number;
  @ApiProperty({ description: 'Secondes (trigger SQL)' }) durationSeconds: number;
}

export class ConsultationListDto extends PageInfoDto {
  @ApiProperty({ type: [ConsultationDto] }) consultations: ConsultationDto[];
}

export class IceServerDto {
  @ApiProperty({ type: [String] }) urls: string[];
  @ApiPropertyOptional() username?: string;
  @ApiPropertyOptional() credential?: string;
}

/** Where an audio consultation's signaling happens (Socket.IO, see the AsyncAPI document). */
export class SignalingDto {
  @ApiProperty({ example: '/audio-call', description: 'Espace de noms Socket.IO' }) namespace: string;
  @ApiProperty({ format: 'uuid' }) consultationId: string;
}

export class RoomAccessDto {
  @ApiProperty({ enum: ConsultationFormat }) format: ConsultationFormat;
  @ApiProperty({ nullable: true, type: String }) roomName: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'JWT Jitsi (visio uniquement), jamais stocké' }) jwt: string | null;
  @ApiProperty({ nullable: true, type: String }) domain: string | null;
  @ApiProperty() expiresAt: Date;
  @ApiProperty() moderator: boolean;
  @ApiPropertyOptional({ type: () => SignalingDto, description: 'Audio : espace Socket.IO de signalisation' }) signaling?: SignalingDto;
  @ApiPropertyOptional({ type: [IceServerDto] }) iceServers?: IceServerDto[];
}

export class ConsultationEventDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ConsultationEventType }) eventType: ConsultationEventType;
  @ApiProperty() timestamp: Date;
}

export class ConsultationEventResponseDto {
  @ApiProperty({ type: ConsultationEventDto }) event: ConsultationEventDto;
  @ApiProperty() message: string;
}

