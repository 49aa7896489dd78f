import { Injectable } from '@nestjs/common';
import { AuditAction, FileType, PractitionerDocumentType, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { MediaColumn, ProfileMediaStore } from '../../common/media/profile-media.js';
import { CompanyMedia } from '../companies/company-media.service.js';
import { EmployeeMedia } from '../employees/employee-media.service.js';
import { PractitionerRecords } from '../practitioners/practitioner-records.service.js';
import { AuditService } from '../audit/audit.service.js';
import { checkUpload, stripImageMetadata } from './file-content.js';
import { FilesService, fileIdFromUrl, fileUrl, PRACTITIONER_RESOURCE } from './files.service.js';
import { PractitionerDocumentUploadedDto, ProfileImageUploadedDto } from './dto/files.dto.js';

export type ProfileImage = 'companyLogo' | 'companyCover' | 'employeeAvatar' | 'employeeCover' | 'practitionerAvatar' | 'practitionerCover';

/** Where each profile image lives: the profile it decorates (its owner module writes the column), its file type and audit event. */
interface ImageTarget {
  fileType: FileType;
  resource: 'company' | 'employee' | 'practitioner';
  column: MediaColumn;
  event: string;
  profileId(me: Identity): string | null;
  /** Set on the File row: company pictures and employees' pictures belong to the tenant. */
  companyId(me: Identity): string | null;
}

const TARGETS: Record<ProfileImage, ImageTarget> = {
  companyLogo: { fileType: FileType.IMAGE, resource: 'company', column: 'primary', event: 'COMPANY_LOGO_UPLOADED', profileId: (me) => me.companyId, companyId: (me) => me.companyId },
  companyCover: { fileType: FileType.COVER, resource: 'company', column: 'cover', event: 'COMPANY_COVER_UPLOADED', profileId: (me) => me.companyId, companyId: (me) => me.companyId },
  employeeAvatar: { fileType: FileType.AVATAR, resource: 'employee', column: 'primary', event: 'EMPLOYEE_AVATAR_UPLOADED', profileId: (me) => me.employeeId, companyId: (me) => me.companyId },
  employeeCover: { fileType: FileType.COVER, resource: 'employee', column: 'cover', event: 'EMPLOYEE_COVER_UPLOADED', profileId: (me) => me.employeeId, companyId: (me) => me.companyId },
  practitionerAvatar: { fileType: FileType.AVATAR, resource: 'practitioner', column: 'primary', event: 'PRACTITIONER_AVATAR_UPLOADED', profileId: (me) => me.practitionerId, companyId: () => null },
  practitionerCover: { fileType: FileType.COVER, resource: 'practitioner', column: 'cover', event: 'PRACTITIONER_COVER_UPLOADED', profileId: (me) => me.practitionerId, companyId: () => null },
};

/** PR9 document type → File.fileType (SPEC §4.5: DIPLOMA / CERTIFICATE / DOCUMENT). */
const DOCUMENT_FILE_TYPES: Record<PractitionerDocumentType, FileType> = {
  DIPLOMA: FileType.DIPLOMA,
  ADELI: FileType.CERTIFICATE,
  RPPS: FileType.CERTIFICATE,
  INSURANCE: FileType.DOCUMENT,
  OTHER: FileType.DOCUMENT,
};

/** The upload endpoints of the profile modules (C9/C10, E7/E8, PR7–PR9), on top of FilesService. */
@Injectable()
export class UploadsService {
  private readonly stores: Record<ImageTarget['resource'], ProfileMediaStore>;

  constructor(
    private readonly files: FilesService,
    private readonly audit: AuditService,
    companies: CompanyMedia,
    employees: EmployeeMedia,
    private readonly practitioners: PractitionerRecords,
  ) {
    this.stores = { company: companies, employee: employees, practitioner: practitioners };
  }

  /**
   * Stores a public JPEG/PNG (metadata stripped), points the profile column at it in the same transaction,
   * and removes the image it replaces (row in the transaction, object after commit) when the caller owns it.
   */
  async uploadProfileImage(me: Identity, which: ProfileImage, upload: Express.Multer.File | undefined): Promise<ProfileImageUploadedDto> {
    const target = TARGETS[which];
    const profileId = target.profileId(me);
    if (!profileId) throw AppException.notFound('Profil introuvable');
    const content = await checkUpload(upload, 'image');
    content.data = stripImageMetadata(content.data, content.mimeType);

    const { result, replacedKey } = await this.files.createWith(
      me,
      { content, fileType: target.fileType, encrypt: false, isPublic: true, companyId: target.companyId(me) },
      async (tx, file) => {
        const store = this.stores[target.resource];
        const before = await store.read(tx, me, profileId, target.column);
        if (!before) throw AppException.notFound('Profil introuvable');
        const url = fileUrl(file.id);
        if ((await store.write(tx, me, profileId, target.column, url)) !== 1) throw AppException.notFound('Profil introuvable');
        const replacedId = before.current !== before.other ? fileIdFromUrl(before.current) : null;
        const key = replacedId ? await this.files.deleteOwnedRow(tx, me, replacedId) : null;
        await this.audit.record(
          {
            action: AuditAction.UPLOAD,
            resource: target.resource,
            resourceId: profileId,
            details: { event: target.event, fileId: file.id, ...(key ? { replacedFileId: replacedId } : {}) },
          },
          tx,
        );
        return { result: { url, file: this.files.toInfo(file) }, replacedKey: key };
      },
    );
    await this.files.discard(replacedKey);
    return result;
  }

  /**
   * PR9: a diploma, insurance or ADELI/RPPS proof, encrypted at rest, readable by its owner and HuntZen
   * admins only, recorded as a PENDING document and appended to the practitioner's documentUrls.
   */
  async uploadPractitionerDocument(me: Identity, type: PractitionerDocumentType, upload: Express.Multer.File | undefined): Promise<PractitionerDocumentUploadedDto> {
    const practitionerId = me.practitionerId;
    if (!practitionerId) throw AppException.notFound('Profil introuvable');
    const content = await checkUpload(upload, 'document');
    return this.files.createWith(
      me,
      {
        content,
        fileType: DOCUMENT_FILE_TYPES[type],
        encrypt: true,
        isPublic: false,
        allowedRoles: [Role.ADMIN_HUNTZEN],
        companyId: null,
        relatedResource: PRACTITIONER_RESOURCE,
        relatedId: practitionerId,
      },
      async (tx, file) => {
        const url = fileUrl(file.id);
        if ((await this.practitioners.appendDocument(tx, practitionerId, url)) !== 1) throw AppException.notFound('Profil introuvable');
        // `create` reads the row back: the owner passes practitioner_documents_owner_all
        const document = await tx.practitionerDocument.create({ data: { practitionerId, type, fileId: file.id } });
        await this.audit.record(
          {
            action: AuditAction.UPLOAD,
            resource: 'practitioner_document',
            resourceId: document.id,
            details: { event: 'PRACTITIONER_DOCUMENT_UPLOADED', fileId: file.id, type },
            isSensitive: false,
          },
          tx,
        );
        return {
          url,
          file: this.files.toInfo(file),
          document: { id: document.id, type: document.type, status: document.status, fileId: document.fileId, createdAt: document.createdAt },
        };
      },
    );
  }
}
