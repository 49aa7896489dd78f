import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NoteType } from '@prisma/client';
import { IsEnum, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

/**
 * Longest note accepted, in characters: about 25 pages of text, far above a session note, and at most
 * ~200 kB of UTF-8 (well under the 1 MB body limit), so the error is a field-level 400, not a 413.
 */
export const NOTE_MAX_CHARS = 50_000;

/** Kept as typed (no trim: layout is the practitioner's), but whitespace alone is empty. */
const Content = () =>
  applyDecorators(
    ApiProperty({ description: 'Texte de la note (chiffré au repos, jamais renvoyé à la création)', minLength: 1, maxLength: NOTE_MAX_CHARS }),
    IsString({ message: 'le contenu doit être un texte' }),
    Matches(/\S/, { message: 'le contenu ne peut pas être vide' }),
    MaxLength(NOTE_MAX_CHARS, { message: `le contenu dépasse ${NOTE_MAX_CHARS} caractères` }),
  );

const NoteTypeField = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ enum: NoteType, enumName: 'NoteType', description }),
    IsOptional(),
    IsEnum(NoteType, { message: `type de note inconnu (valeurs : ${Object.values(NoteType).join(', ')})` }),
  );

export class CreateClinicalNoteDto {
  @ApiProperty({ format: 'uuid', description: 'Une consultation du praticien appelant, IN_PROGRESS ou COMPLETED' })
  @IsUUID('4', { message: 'identifiant de consultation invalide (UUID attendu)' })
  consultationId: string;

  @Content() content: string;

  @NoteTypeField('Par défaut SESSION_NOTE')
  noteType?: NoteType;
}

export class UpdateClinicalNoteDto {
  @Content() content: string;

  @NoteTypeField('Inchangé si absent')
  noteType?: NoteType;
}

/** What create and update answer: metadata only, the content is never echoed. */
export class ClinicalNoteSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) consultationId: string;
  @ApiProperty({ enum: NoteType, enumName: 'NoteType' }) noteType: NoteType;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class ClinicalNoteDto extends ClinicalNoteSummaryDto {
  @ApiProperty({ description: 'Texte déchiffré (auteur uniquement)' }) content: string;
}

export class ClinicalNoteSummaryResponseDto {
  @ApiProperty({ type: ClinicalNoteSummaryDto }) note: ClinicalNoteSummaryDto;
  @ApiProperty() message: string;
}

export class ClinicalNoteResponseDto {
  @ApiProperty({ type: ClinicalNoteDto }) note: ClinicalNoteDto;
}

export class ClinicalNoteListDto {
  @ApiProperty({ type: [ClinicalNoteDto] }) notes: ClinicalNoteDto[];
}

export class ClinicalNoteDeletedDto {
  @ApiProperty() message: string;
}
