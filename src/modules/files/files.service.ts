import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { AuditAction, File, FileType, Prisma, Role } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { aadFor } from '../../infra/crypto/aad.js';
import { EnvelopeCrypto } from '../../infra/crypto/envelope-crypto.service.js';
import { TenantPrisma, TenantTx } from '../../infra/prisma/tenant-prisma.service.js';
import { StorageObjectNotFoundError, StorageService } from '../../infra/storage/storage.service.js';
import type { ProfileMediaStore } from '../../common/media/profile-media.js';
import { AccessService } from '../access/access.service.js';
import { CompanyMedia } from '../companies/company-media.service.js';
import { EmployeeMedia } from '../employees/employee-media.service.js';
import { PractitionerRecords } from '../practitioners/practitioner-records.service.js';
import { AuditService } from '../audit/audit.service.js';
import { CheckedContent, checkUpload, stripImageMetadata, UploadKind } from './file-content.js';
import { FileDeletedDto, FileInfoDto, FileUploadedDto, UploadFileDto } from './dto/files.dto.js';

/** Encrypted at rest (SPEC §7.5, §7.8: DOCUMENT, CERTIFICATE; [PROPOSED] DIPLOMA, ATTACHMENT). */
export const SENSITIVE_FILE_TYPES: ReadonlySet<FileType> = new Set([FileType.DOCUMENT, FileType.CERTIFICATE, FileType.DIPLOMA, FileType.ATTACHMENT]);
/** Profile and branding pictures: JPEG/PNG only, public to authenticated users, stored in clear. */
export const IMAGE_FILE_TYPES: ReadonlySet<FileType> = new Set([FileType.AVATAR, FileType.COVER, FileType.IMAGE]);

/** `relatedResource` of practitioner documents (read by HuntZen admins, not health data). */
export const PRACTITIONER_RESOURCE = 'practitioner';
const CONSULTATION_RESOURCE = 'consultation';

const FILE_URL = /^\/api\/files\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export const fileUrl = (id: string): string => `/api/files/${id}`;

/** The file id behind a `/api/files/<id>` URL (profile columns hold such URLs), or null. */
export function fileIdFromUrl(url: string | null | undefined): string | null {
  return url ? (FILE_URL.exec(url)?.[1] ?? null) : null;
}

export interface NewFile {
  content: CheckedContent;
  fileType: FileType;
  encrypt: boolean;
  isPublic: boolean;
  /** Roles that may download besides the uploader (RLS `files_shared_select`). */
  allowedRoles?: Role[];
  companyId: string | null;
  relatedResource?: string | null;
  relatedId?: string | null;
}

export interface FileDownload {
  file: File;
  body: Readable | Buffer;
}

@Injectable()
export class FilesService {
  private readonly logger = new Logger('Files');

  constructor(
    private readonly tenant: TenantPrisma,
    private readonly storage: StorageService,
    private readonly crypto: EnvelopeCrypto,
    private readonly audit: AuditService,
    private readonly access: AccessService,
    companies: CompanyMedia,
    employees: EmployeeMedia,
    practitioners: PractitionerRecords,
  ) {
    this.profileStores = [companies, employees, practitioners];
  }

  /** The profiles whose picture columns may point at a file: a deleted image is unset there by their owners. */
  private readonly profileStores: ProfileMediaStore[];

  /**
   * Stores the bytes (encrypted when asked), then runs `work` in a transaction as the caller, after the
   * File row is created in it. If the transaction fails the stored object is removed again.
   */
  async createWith<T>(me: Identity, input: NewFile, work: (tx: TenantTx, file: File) => Promise<T>): Promise<T> {
    const id = randomUUID();
    const key = `${id}.${input.content.ext}${input.encrypt ? '.enc' : ''}`;
    const sealed = input.encrypt ? this.crypto.encrypt(input.content.data, aadFor.file(id, me.userId)) : null;
    const bytes = sealed ? Buffer.from(sealed.encryptedContent, 'hex') : input.content.data;
    await this.storage.put(key, bytes, sealed ? 'application/octet-stream' : input.content.mimeType);
    try {
      return await this.tenant.tx(async (tx) => {
        // `create` reads the row back (RETURNING): the uploader passes files_uploader_all for that
        const file = await tx.file.create({
          data: {
            id,
            uploadedBy: me.userId,
            userRole: me.role,
            companyId: input.companyId,
            filename: key,
            originalName: input.content.originalName,
            mimeType: input.content.mimeType,
            size: input.content.data.length,
            path: key,
            isEncrypted: !!sealed,
            encryptionKey: sealed?.encryptedDek ?? null,
            iv: sealed?.iv ?? null,
            authTag: sealed?.authTag ?? null,
            dekIv: sealed?.dekIv ?? null,
            dekAuthTag: sealed?.dekAuthTag ?? null,
            keyVersion: sealed?.keyVersion ?? null,
            fileType: input.fileType,
            relatedResource: input.relatedResource ?? null,
            relatedId: input.relatedId ?? null,
            isPublic: input.isPublic,
            allowedRoles: input.allowedRoles ?? [],
          },
        });
        return work(tx, file);
      });
    } catch (e) {
      await this.discard(key);
      throw e;
    }
  }

  /** F1: any role uploads a PDF/JPEG/PNG; sensitive types and consultation files are encrypted and private. */
  async upload(me: Identity, dto: UploadFileDto, upload: Express.Multer.File | undefined): Promise<FileUploadedDto> {
    const file = await this.store(me, dto, upload);
    return { id: file.id, url: fileUrl(file.id) };
  }

  /** F1's checks and storage, returning the File row (CH4 chat attachments answer with its name, type and size). */
  async store(me: Identity, dto: UploadFileDto, upload: Express.Multer.File | undefined): Promise<File> {
    const kind: UploadKind = IMAGE_FILE_TYPES.has(dto.fileType) ? 'image' : 'document';
    const content = await checkUpload(upload, kind);
    const forConsultation = dto.relatedResource === CONSULTATION_RESOURCE;
    if (forConsultation) await this.access.consultationParticipant(me, dto.relatedId!);
    const encrypt = SENSITIVE_FILE_TYPES.has(dto.fileType) || forConsultation;
    const isPublic = !encrypt && IMAGE_FILE_TYPES.has(dto.fileType);
    if (isPublic) content.data = stripImageMetadata(content.data, content.mimeType);
    const file = await this.createWith(
      me,
      {
        content,
        fileType: dto.fileType,
        encrypt,
        isPublic,
        // the other participant may download it; the RLS policy checks participation, and a company
        // would shut the practitioner (who has none) out
        allowedRoles: forConsultation ? [Role.EMPLOYEE, Role.PRACTITIONER] : [],
        companyId: forConsultation ? null : me.companyId,
        relatedResource: dto.relatedResource,
        relatedId: dto.relatedId,
      },
      async (tx, created) => {
        await this.audit.record(
          {
            action: AuditAction.UPLOAD,
            resource: 'file',
            resourceId: created.id,
            // never the original name: a medical document's name may itself say too much
            details: { event: 'FILE_UPLOADED', fileType: created.fileType, size: created.size, encrypted: created.isEncrypted },
            isSensitive: auditSensitive(created),
          },
          tx,
        );
        return created;
      },
    );
    return file;
  }

  /**
   * F2: the file when the caller may read it (uploader, public, or an allowed role in the same company;
   * RLS adds the consultation-participant rule), else 404. Encrypted files are verified and decrypted
   * whole before the first byte is sent.
   */
  async download(me: Identity, id: string): Promise<FileDownload> {
    const file = await this.tenant.db.file.findFirst({ where: { id, AND: [readableBy(me), notExpired()] } });
    if (!file) throw AppException.notFound('Fichier introuvable');
    if (!file.isEncrypted) return { file, body: await this.read(file) };

    const sealed = await this.readBuffer(file);
    let plain: Buffer;
    try {
      plain = this.crypto.decrypt(
        {
          encryptedContent: sealed.toString('hex'),
          iv: file.iv ?? '',
          authTag: file.authTag ?? '',
          encryptedDek: file.encryptionKey ?? '',
          dekIv: file.dekIv ?? '',
          dekAuthTag: file.dekAuthTag ?? '',
          keyVersion: file.keyVersion ?? '',
        },
        aadFor.file(file.id, file.uploadedBy),
      );
    } catch (e) {
      this.logger.warn({ message: 'stored file failed its integrity check', fileId: file.id, error: (e as Error).name });
      throw new AppException(HttpStatus.UNPROCESSABLE_ENTITY, ErrorCode.FILE_INTEGRITY_ERROR, "Le fichier est illisible : son intégrité n'a pas pu être vérifiée");
    }
    await this.audit.record({
      action: AuditAction.DOWNLOAD,
      resource: 'file',
      resourceId: file.id,
      details: { event: 'FILE_DOWNLOADED', fileType: file.fileType, owner: file.uploadedBy === me.userId },
      isSensitive: auditSensitive(file),
      // someone else's file: shown in the uploader's access log
      subjectUserId: file.uploadedBy,
    });
    return { file, body: plain };
  }

  /** F3: the uploader deletes its file (others: 404); a file backing a practitioner document is kept (409). */
  async remove(me: Identity, id: string): Promise<FileDeletedDto> {
    const key = await this.tenant
      .tx(async (tx) => {
        const file = await tx.file.findFirst({ where: { id, uploadedBy: me.userId } });
        if (!file) throw AppException.notFound('Fichier introuvable');
        if ((await tx.practitionerDocument.count({ where: { fileId: id } })) > 0) throw fileInUse();
        for (const store of this.profileStores) await store.clear(tx, me, fileUrl(id));
        await tx.file.deleteMany({ where: { id, uploadedBy: me.userId } });
        await this.audit.record(
          { action: AuditAction.DELETE, resource: 'file', resourceId: id, details: { event: 'FILE_DELETED', fileType: file.fileType }, isSensitive: auditSensitive(file) },
          tx,
        );
        return file.path;
      })
      .catch((e: unknown) => {
        // the document's foreign key (RESTRICT) also refuses, e.g. a document the caller cannot see
        if (isForeignKeyViolation(e)) throw fileInUse();
        throw e;
      });
    await this.discard(key);
    return { message: 'Fichier supprimé' };
  }

  /**
   * Deletes the caller's own file row inside `tx` (when it exists and backs no practitioner document) and
   * returns its storage key, to remove with `discard` after commit. Used when a profile image is replaced.
   */
  async deleteOwnedRow(tx: TenantTx, me: Identity, fileId: string): Promise<string | null> {
    const file = await tx.file.findFirst({ where: { id: fileId, uploadedBy: me.userId }, select: { path: true } });
    if (!file || (await tx.practitionerDocument.count({ where: { fileId } })) > 0) return null;
    await tx.file.deleteMany({ where: { id: fileId, uploadedBy: me.userId } });
    return file.path;
  }

  /** Removes a stored object; a failure leaves an unreachable orphan (no row points to it), so it is logged only. */
  async discard(key: string | null): Promise<void> {
    if (!key) return;
    try {
      await this.storage.delete(key);
    } catch (e) {
      this.logger.warn({ message: 'stored object not removed', key, error: (e as Error).name });
    }
  }

  toInfo(file: File): FileInfoDto {
    return {
      id: file.id,
      url: fileUrl(file.id),
      fileType: file.fileType,
      mimeType: file.mimeType,
      size: file.size,
      isPublic: file.isPublic,
      isEncrypted: file.isEncrypted,
      createdAt: file.createdAt,
    };
  }

  private async read(file: File): Promise<Readable> {
    try {
      return await this.storage.get(file.path);
    } catch (e) {
      throw this.missingObject(e, file);
    }
  }

  private async readBuffer(file: File): Promise<Buffer> {
    try {
      return await this.storage.getBuffer(file.path);
    } catch (e) {
      throw this.missingObject(e, file);
    }
  }

  private missingObject(e: unknown, file: File): unknown {
    if (!(e instanceof StorageObjectNotFoundError)) return e;
    this.logger.error({ message: 'file row without stored object', fileId: file.id });
    return AppException.notFound('Fichier introuvable');
  }
}

/** Mirrors RLS `files_uploader_all` / `files_shared_select` (which also checks consultation participants). */
function readableBy(me: Identity): Prisma.FileWhereInput {
  const companies: Prisma.FileWhereInput[] = [{ companyId: null }, ...(me.companyId ? [{ companyId: me.companyId }] : [])];
  return { OR: [{ uploadedBy: me.userId }, { isPublic: true }, { allowedRoles: { has: me.role }, OR: companies }] };
}

function notExpired(): Prisma.FileWhereInput {
  return { OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] };
}

/** Health-adjacent files (documents, attachments) are flagged; a practitioner's professional papers are not. */
function auditSensitive(file: Pick<File, 'isEncrypted' | 'relatedResource'>): boolean {
  return file.isEncrypted && file.relatedResource !== PRACTITIONER_RESOURCE;
}

function fileInUse(): AppException {
  return AppException.conflict(ErrorCode.FILE_IN_USE, 'Ce fichier justifie un document professionnel : il ne peut pas être supprimé');
}

function isForeignKeyViolation(e: unknown): boolean {
  if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2003') return true;
  const err = e as { cause?: { originalCode?: string }; meta?: { driverAdapterError?: { cause?: { originalCode?: string } } } };
  return (err?.cause?.originalCode ?? err?.meta?.driverAdapterError?.cause?.originalCode) === '23503';
}
