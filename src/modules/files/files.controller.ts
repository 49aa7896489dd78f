import { Body, Controller, Delete, Get, Post, Res, StreamableFile, UploadedFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { File } from '@prisma/client';
import type { Response } from 'express';
import { CurrentUser } from '../../common/auth/decorators.js';
import type { Identity } from '../../common/context/request-context.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import { FileDeletedDto, FileUploadedDto, UPLOADABLE_FILE_TYPES, UploadFileDto } from './dto/files.dto.js';
import { FilesService } from './files.service.js';
import { FileUpload } from './upload.decorators.js';

@ApiTags('files')
@ApiBearerAuth()
@ApiErrors()
@Controller('files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  @Post('upload')
  @FileUpload(
    {
      fileType: { type: 'string', enum: [...UPLOADABLE_FILE_TYPES], description: 'AVATAR, COVER, IMAGE : JPEG/PNG publics ; les autres : PDF/JPEG/PNG chiffrés et privés' },
      relatedResource: { type: 'string', description: 'Ressource liée (ex. consultation : partagé avec l’autre participant), avec relatedId' },
      relatedId: { type: 'string', format: 'uuid' },
    },
    ['fileType'],
  )
  @ApiOperation({ summary: 'F1 — Déposer un fichier (PDF, JPEG ou PNG vérifié par son contenu, 10 Mo maximum)' })
  @ApiCreatedResponse({ type: FileUploadedDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (consultation liée hors de portée)' })
  uploadFile(@CurrentUser() me: Identity, @Body() dto: UploadFileDto, @UploadedFile() file?: Express.Multer.File): Promise<FileUploadedDto> {
    return this.files.upload(me, dto, file);
  }

  @Get(':id')
  @ApiOperation({ summary: 'F2 — Télécharger un fichier (déposant, rôle autorisé ou image publique ; déchiffré si besoin)' })
  @ApiProduces('image/jpeg', 'image/png', 'application/pdf')
  @ApiOkResponse({ description: 'Le contenu du fichier', schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inexistant ou non autorisé)' })
  @ApiUnprocessableEntityResponse({ description: 'FILE_INTEGRITY_ERROR (contenu chiffré altéré)' })
  async downloadFile(@CurrentUser() me: Identity, @UuidParam() id: string, @Res({ passthrough: true }) res: Response): Promise<StreamableFile> {
    const { file, body } = await this.files.download(me, id);
    // public pictures change URL when replaced, so caching them is safe; private files never stay in a cache
    res.setHeader('Cache-Control', file.isPublic ? 'private, max-age=86400' : 'private, no-store');
    const options = { type: file.mimeType, disposition: contentDisposition(file), length: file.size };
    return Buffer.isBuffer(body) ? new StreamableFile(body, options) : new StreamableFile(body, options);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'F3 — Supprimer son fichier (déposant uniquement)' })
  @ApiOkResponse({ type: FileDeletedDto })
  @ApiNotFoundResponse({ description: 'NOT_FOUND (inexistant ou pas le déposant)' })
  @ApiConflictResponse({ description: 'FILE_IN_USE (justificatif d’un document professionnel)' })
  deleteFile(@CurrentUser() me: Identity, @UuidParam() id: string): Promise<FileDeletedDto> {
    return this.files.remove(me, id);
  }
}

/**
 * Images display inline, PDFs download. A public picture is named by its id (its original name may
 * identify someone); a private file keeps its original name for the few who may read it.
 */
function contentDisposition(file: File): string {
  const type = file.mimeType.startsWith('image/') ? 'inline' : 'attachment';
  const name = file.isPublic ? file.filename.replace(/\.enc$/, '') : file.originalName;
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
