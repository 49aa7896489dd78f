import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MessageType, Role } from '@prisma/client';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';

export const MAX_MESSAGE_LENGTH = 5000;
export const HISTORY_PAGE = 50;

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

// ---------- client → server payloads (socket events and REST bodies share them) ----------

export class ConsultationRefDto {
  @IsUUID('all', { message: 'consultationId doit être un UUID' })
  consultationId: string;
}

export class SocketMessageDto extends ConsultationRefDto {
  @Transform(trimmed)
  @IsString({ message: 'content doit être un texte' })
  @IsNotEmpty({ message: 'content ne doit pas être vide' })
  @MaxLength(MAX_MESSAGE_LENGTH, { message: `content ne doit pas dépasser ${MAX_MESSAGE_LENGTH} caractères` })
  content: string;

  @IsOptional()
  @Matches(/^\/api\/files\/[0-9a-f-]{36}$/i, { message: 'attachmentUrl doit être une URL /api/files/<id> renvoyée par l’envoi de pièce jointe' })
  attachmentUrl?: string;
}

export class SocketTypingDto extends ConsultationRefDto {
  @IsBoolean({ message: 'isTyping doit être un booléen' })
  isTyping: boolean;
}

export class SocketReadDto {
  @IsUUID('all', { message: 'messageId doit être un UUID' })
  messageId: string;
}

/** CH2 body. */
export class SendMessageDto {
  @ApiProperty({ maxLength: MAX_MESSAGE_LENGTH, example: 'Bonjour, je voulais revenir sur notre séance.' })
  @Transform(trimmed)
  @IsString({ message: 'content doit être un texte' })
  @IsNotEmpty({ message: 'content ne doit pas être vide' })
  @MaxLength(MAX_MESSAGE_LENGTH, { message: `content ne doit pas dépasser ${MAX_MESSAGE_LENGTH} caractères` })
  content: string;

  @ApiPropertyOptional({ example: '/api/files/6f1c2a4e-0b7d-4f39-9a39-2f1f0c7f3e11', description: 'Pièce jointe envoyée par l’expéditeur pour cette consultation (CH4)' })
  @IsOptional()
  @Matches(/^\/api\/files\/[0-9a-f-]{36}$/i, { message: 'attachmentUrl doit être une URL /api/files/<id> renvoyée par l’envoi de pièce jointe' })
  attachmentUrl?: string;
}

/** I4 body. */
export class EditMessageDto {
  @ApiProperty({ maxLength: MAX_MESSAGE_LENGTH })
  @Transform(trimmed)
  @IsString({ message: 'content doit être un texte' })
  @IsNotEmpty({ message: 'content ne doit pas être vide' })
  @MaxLength(MAX_MESSAGE_LENGTH, { message: `content ne doit pas dépasser ${MAX_MESSAGE_LENGTH} caractères` })
  content: string;
}

/** CH1 query. */
export class MessageHistoryQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: HISTORY_PAGE })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit doit être un entier' })
  @Min(1, { message: 'limit doit être au moins 1' })
  @Max(100, { message: 'limit ne doit pas dépasser 100' })
  limit?: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'nextCursor de la page précédente : renvoie les messages plus anciens' })
  @IsOptional()
  @IsUUID('all', { message: 'cursor doit être un UUID (nextCursor)' })
  cursor?: string;
}

// ---------- responses ----------

export class MessageSenderDto {
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ type: String, nullable: true }) avatarUrl: string | null;
}

/** A message as CH1/CH2 return it and as `chat:message:received` carries it (W7). */
export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) consultationId: string;
  @ApiProperty({ format: 'uuid', description: 'Id utilisateur de l’expéditeur' }) senderId: string;
  @ApiProperty({ enum: [Role.EMPLOYEE, Role.PRACTITIONER], enumName: 'MessageSenderRole' }) senderRole: Role;
  @ApiProperty({ example: 'Marc Dupont' }) senderName: string;
  @ApiProperty({ type: String, nullable: true }) senderAvatarUrl: string | null;
  @ApiProperty({ type: MessageSenderDto }) sender: MessageSenderDto;
  @ApiProperty({ type: String, nullable: true, description: 'Texte déchiffré ; null pour un message supprimé' }) content: string | null;
  @ApiProperty({ enum: MessageType, enumName: 'MessageType' }) messageType: MessageType;
  @ApiProperty({ type: String, nullable: true }) attachmentUrl: string | null;
  @ApiProperty({ type: String, nullable: true }) attachmentName: string | null;
  @ApiProperty({ type: String, nullable: true }) attachmentType: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) attachmentSize: number | null;
  @ApiProperty() isRead: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) readAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty() isEdited: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) editedAt: Date | null;
  @ApiProperty() isDeleted: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt: Date | null;
}

export class MessageListDto {
  @ApiProperty({ type: [MessageDto], description: 'Ordre croissant de createdAt' }) messages: MessageDto[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'À passer en cursor pour la page plus ancienne ; null à la fin' }) nextCursor: string | null;
}

export class MessageResponseDto {
  @ApiProperty({ type: MessageDto }) message: MessageDto;
}

export class MessageInfoDto {
  @ApiProperty({ example: 'marked as read' }) message: string;
}

export class AttachmentUploadedDto {
  @ApiProperty({ format: 'uuid' }) fileId: string;
  @ApiProperty({ example: '/api/files/6f1c2a4e-0b7d-4f39-9a39-2f1f0c7f3e11' }) url: string;
  @ApiProperty({ example: 'ordonnance.pdf' }) attachmentName: string;
  @ApiProperty({ example: 'application/pdf' }) attachmentType: string;
  @ApiProperty({ type: 'integer', description: 'Taille en octets' }) attachmentSize: number;
}

export class ThreadParticipantDto {
  @ApiProperty({ format: 'uuid', description: 'Id du profil (employé ou praticien)' }) id: string;
  @ApiProperty() firstName: string;
  @ApiProperty() lastName: string;
  @ApiProperty({ type: String, nullable: true }) avatarUrl: string | null;
}

export class ThreadDto {
  @ApiProperty({ format: 'uuid', description: '= consultationId' }) id: string;
  @ApiProperty({ format: 'uuid' }) consultationId: string;
  @ApiProperty({ type: ThreadParticipantDto }) participant: ThreadParticipantDto;
  @ApiProperty({ type: String, format: 'date-time' }) lastMessageAt: Date;
  @ApiProperty({ type: 'integer' }) unreadCount: number;
}

export class ThreadListDto {
  @ApiProperty({ type: [ThreadDto] }) threads: ThreadDto[];
}
