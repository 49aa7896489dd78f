import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DocumentStatus, FileType, PractitionerDocumentType } from '@prisma/client';
import { IsEnum, IsIn, IsOptional, IsUUID, Matches, ValidateIf } from 'class-validator';

/** What F1 accepts: VIDEO and AUDIO have no allowed content type (SPEC §7.8: PDF, JPEG, PNG only). */
export const UPLOADABLE_FILE_TYPES = [
  FileType.AVATAR,
  FileType.COVER,
  FileType.IMAGE,
  FileType.DOCUMENT,
  FileType.CERTIFICATE,
  FileType.DIPLOMA,
  FileType.ATTACHMENT,
] as const;
export type UploadableFileType = (typeof UPLOADABLE_FILE_TYPES)[number];

/** F1 multipart fields (besides `file`). */
export class UploadFileDto {
  @ApiProperty({ enum: UPLOADABLE_FILE_TYPES, description: 'DOCUMENT, CERTIFICATE, DIPLOMA, ATTACHMENT : chiffrés au repos et privés' })
  @IsIn(UPLOADABLE_FILE_TYPES, { message: `fileType doit être l'une des valeurs : ${UPLOADABLE_FILE_TYPES.join(', ')}` })
  fileType: UploadableFileType;

  @ApiPropertyOptional({ example: 'consultation', description: 'Ressource liée (minuscules et _), avec relatedId' })
  @ValidateIf((o: UploadFileDto) => o.relatedResource !== undefined || o.relatedId !== undefined)
  @Matches(/^[a-z][a-z_]{0,49}$/, { message: 'relatedResource doit être un identifiant en minuscules (a-z, _)' })
  relatedResource?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @ValidateIf((o: UploadFileDto) => o.relatedResource !== undefined || o.relatedId !== undefined)
  @IsUUID('all', { message: 'relatedId doit être un UUID' })
  relatedId?: string;
}

/** PR9 multipart fields (besides `file`). */
export class UploadPractitionerDocumentDto {
  @ApiProperty({ enum: PractitionerDocumentType })
  @IsEnum(PractitionerDocumentType, { message: `type doit être l'une des valeurs : ${Object.values(PractitionerDocumentType).join(', ')}` })
  type: PractitionerDocumentType;
}

export class FileUploadedDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: '/api/files/6f1c2a4e-0b7d-4f39-9a39-2f1f0c7f3e11' }) url: string;
}

export class FileInfoDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: '/api/files/6f1c2a4e-0b7d-4f39-9a39-2f1f0c7f3e11' }) url: string;
  @ApiProperty({ enum: FileType }) fileType: FileType;
  @ApiProperty({ example: 'image/png' }) mimeType: string;
  @ApiProperty({ description: 'Taille en octets' }) size: number;
  @ApiProperty({ description: 'Lisible par tout utilisateur connecté' }) isPublic: boolean;
  @ApiProperty({ description: 'Chiffré au repos (AES-256-GCM)' }) isEncrypted: boolean;
  @ApiProperty() createdAt: Date;
}

/** C9/C10, E7/E8, PR7/PR8: the new image URL, now set on the profile. */
export class ProfileImageUploadedDto {
  @ApiProperty({ example: '/api/files/6f1c2a4e-0b7d-4f39-9a39-2f1f0c7f3e11' }) url: string;
  @ApiProperty({ type: FileInfoDto }) file: FileInfoDto;
}

export class PractitionerDocumentDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: PractitionerDocumentType }) type: PractitionerDocumentType;
  @ApiProperty({ enum: DocumentStatus, example: DocumentStatus.PENDING }) status: DocumentStatus;
  @ApiProperty({ format: 'uuid' }) fileId: string;
  @ApiProperty() createdAt: Date;
}

/** PR9: the stored (encrypted) file and its document, pending review by HuntZen. */
export class PractitionerDocumentUploadedDto {
  @ApiProperty({ example: '/api/files/6f1c2a4e-0b7d-4f39-9a39-2f1f0c7f3e11' }) url: string;
  @ApiProperty({ type: FileInfoDto }) file: FileInfoDto;
  @ApiProperty({ type: PractitionerDocumentDto }) document: PractitionerDocumentDto;
}

export class FileDeletedDto {
  @ApiProperty({ example: 'Fichier supprimé' }) message: string;
}
