import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { AuditAction, ClinicalNote, ConsultationStatus, NoteType } from '@prisma/client';
import { randomUUID } from 'node:crypto';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode } from '../../common/errors/error-codes.js';
import { EnvelopeCrypto, Envelope } from '../../infra/crypto/envelope-crypto.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AccessService } from '../access/access.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { ClinicalNoteDto, ClinicalNoteSummaryDto, CreateClinicalNoteDto, UpdateClinicalNoteDto } from './dto/clinical-notes.dto.js';
import { aadFor } from '../../infra/crypto/aad.js';

/** A note can be written once the session has started (SPEC §4.9 CN1, PROPOSED "post-consultation"). */
const WRITABLE: ConsultationStatus[] = [ConsultationStatus.IN_PROGRESS, ConsultationStatus.COMPLETED];
const RESOURCE = 'clinical_note';

/** Binds a note's ciphertext to its row, author and consultation: copied into another row, it no longer decrypts. */
const noteAad = (n: { id: string; practitionerId: string; consultationId: string }) => aadFor.clinicalNote(n.id, n.practitionerId, n.consultationId);

const SUMMARY = { id: true, consultationId: true, noteType: true, createdAt: true, updatedAt: true } as const;

/**
 * Clinical notes (SPEC §4.9, §6.5): the authoring practitioner only. Every query carries the caller's
 * practitioner id, so another practitioner's note or consultation is a plain 404; RLS enforces the same
 * (and HR, admins and employees never reach the routes). Content is never logged, audited or echoed.
 */
@Injectable()
export class ClinicalNotesService {
  private readonly logger = new Logger('ClinicalNotes');

  constructor(
    private readonly tenant: TenantPrisma,
    private readonly crypto: EnvelopeCrypto,
    private readonly audit: AuditService,
    private readonly access: AccessService,
  ) {}

  async create(me: Identity, dto: CreateClinicalNoteDto): Promise<ClinicalNoteSummaryDto> {
    const practitionerId = this.author(me);
    const consultation = await this.access.consultationPractitioner(me, dto.consultationId);
    if (!WRITABLE.includes(consultation.status)) {
      throw AppException.badRequest(ErrorCode.CONSULTATION_NOT_STARTED, 'Une note ne peut être rédigée qu’une fois la consultation commencée', [
        { field: 'consultationId', message: `consultation ${consultation.status}, IN_PROGRESS ou COMPLETED attendu` },
      ]);
    }
    const id = randomUUID();
    const sealed = this.crypto.encrypt(dto.content, noteAad({ id, practitionerId, consultationId: consultation.id }));
    return this.tenant.tx(async (tx) => {
      const note = await tx.clinicalNote.create({
        data: { id, consultationId: consultation.id, practitionerId, noteType: dto.noteType ?? NoteType.SESSION_NOTE, ...sealed },
        select: SUMMARY,
      });
      await this.audit.record({ action: AuditAction.CREATE, resource: RESOURCE, resourceId: id, isSensitive: true, details: { event: 'CLINICAL_NOTE_CREATED' } }, tx);
      return note;
    });
  }

  /** CN2: the caller's notes on one of its consultations, oldest first (another's consultation: 404). */
  async listForConsultation(me: Identity, consultationId: string): Promise<ClinicalNoteDto[]> {
    const practitionerId = this.author(me);
    await this.access.consultationPractitioner(me, consultationId);
    const rows = await this.tenant.db.clinicalNote.findMany({ where: { consultationId, practitionerId, deletedAt: null }, orderBy: { createdAt: 'asc' } });
    const notes = rows.map((row) => this.open(row));
    if (rows.length) {
      await this.audit.record({ action: AuditAction.READ, resource: RESOURCE, isSensitive: true, details: { event: 'CLINICAL_NOTES_READ', noteIds: rows.map((r) => r.id) } });
    }
    return notes;
  }

  /** X3: one note, decrypted. */
  async get(me: Identity, id: string): Promise<ClinicalNoteDto> {
    const practitionerId = this.author(me);
    const row = await this.tenant.db.clinicalNote.findFirst({ where: { id, practitionerId, deletedAt: null } });
    if (!row) throw AppException.notFound('Note introuvable');
    const note = this.open(row);
    await this.audit.record({ action: AuditAction.READ, resource: RESOURCE, resourceId: id, isSensitive: true, details: { event: 'CLINICAL_NOTE_READ' } });
    return note;
  }

  /** CN3: new content under a fresh data key (and type, when given). */
  async update(me: Identity, id: string, dto: UpdateClinicalNoteDto): Promise<ClinicalNoteSummaryDto> {
    const practitionerId = this.author(me);
    return this.tenant.tx(async (tx) => {
      const existing = await tx.clinicalNote.findFirst({ where: { id, practitionerId, deletedAt: null }, select: { id: true, consultationId: true } });
      if (!existing) throw AppException.notFound('Note introuvable');
      const sealed = this.crypto.encrypt(dto.content, noteAad({ id, practitionerId, consultationId: existing.consultationId }));
      const note = await tx.clinicalNote.update({ where: { id }, data: { ...sealed, ...(dto.noteType ? { noteType: dto.noteType } : {}) }, select: SUMMARY });
      await this.audit.record({ action: AuditAction.UPDATE, resource: RESOURCE, resourceId: id, isSensitive: true, details: { event: 'CLINICAL_NOTE_UPDATED' } }, tx);
      return note;
    });
  }

  /**
   * CN4: soft delete (SPEC §11 S19). The note disappears for its author but is kept for the legal period;
   * the retention job purges it afterwards. The database stamps deleted_at itself.
   */
  async remove(me: Identity, id: string): Promise<void> {
    const practitionerId = this.author(me);
    await this.tenant.tx(async (tx) => {
      // updateMany: no RETURNING (the deleted row is no longer readable by its author)
      const { count } = await tx.clinicalNote.updateMany({ where: { id, practitionerId, deletedAt: null }, data: { deletedAt: new Date() } });
      if (count === 0) throw AppException.notFound('Note introuvable');
      await this.audit.record({ action: AuditAction.DELETE, resource: RESOURCE, resourceId: id, isSensitive: true, details: { event: 'CLINICAL_NOTE_DELETED' } }, tx);
    });
  }

  private author(me: Identity): string {
    // @Roles(PRACTITIONER) guarantees the role; a practitioner account without its profile reaches nothing
    if (!me.practitionerId) throw AppException.notFound('Profil praticien introuvable');
    return me.practitionerId;
  }

  /** Decrypts a row; a ciphertext that fails authentication (tampered, or moved from another row) is a 422, never its text. */
  private open(row: ClinicalNote): ClinicalNoteDto {
    let content: string;
    try {
      content = this.crypto.decryptText(row as Envelope, noteAad(row));
    } catch (e) {
      // not `noteId`: the log redaction blanks any key mentioning notes
      this.logger.warn({ message: 'clinical note failed its integrity check', resource: RESOURCE, id: row.id, error: (e as Error).name });
      throw new AppException(HttpStatus.UNPROCESSABLE_ENTITY, ErrorCode.NOTE_INTEGRITY_ERROR, "La note est illisible : son intégrité n'a pas pu être vérifiée");
    }
    return { id: row.id, consultationId: row.consultationId, noteType: row.noteType, content, createdAt: row.createdAt, updatedAt: row.updatedAt };
  }
}
