import { Injectable } from '@nestjs/common';
import { AuditAction, Role } from '@prisma/client';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { SubjectKeys, openMessage } from '../../infra/crypto/subject-keys.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AccessService } from '../access/access.service.js';
import { AuditService } from '../audit/audit.service.js';
import { JournalService } from '../journal/journal.service.js';
import { toConsentDto } from './consents.service.js';
import { toDeletionRequestDto } from './deletion-requests.service.js';
import type { ExportedConsultationDto, PersonalDataExportDto } from './dto/privacy.dto.js';

/**
 * U1 (SPEC §4.2, US-12.2): everything about the caller, read as the caller under RLS — profile,
 * consultations it takes part in (metadata, never clinical notes nor the practitioner's quick notes),
 * their messages decrypted, its journal decrypted, notifications, consents, file metadata, deletion
 * requests. Secrets (password hash, 2FA secret, wrapped keys, token hashes) never leave. The audit row
 * says EXPORT and counts, never content.
 */
@Injectable()
export class PersonalDataExportService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly access: AccessService,
    private readonly journal: JournalService,
    private readonly subjects: SubjectKeys,
    private readonly audit: AuditService,
  ) {}

  async collect(me: Identity, format: 'json' | 'pdf'): Promise<PersonalDataExportDto> {
    const db = this.tenant.db;
    const user = await db.user.findUnique({
      where: { id: me.userId },
      select: {
        id: true, email: true, role: true, isActive: true, emailVerified: true, twoFactorEnabled: true, createdAt: true, lastLoginAt: true,
        company: { select: { name: true } },
        employee: { select: { firstName: true, lastName: true, phoneNumber: true, department: true, position: true, bio: true, birthDate: true, preferredLanguage: true, timezone: true } },
        practitioner: { select: { firstName: true, lastName: true, bio: true, timezone: true } },
      },
    });
    if (!user) throw AppException.notFound();
    const e = user.employee;
    const p = user.practitioner;

    const consultations = await db.consultation.findMany({
      where: this.access.participantWhere(me),
      orderBy: [{ scheduledAt: 'asc' }, { id: 'asc' }],
      select: {
        id: true, scheduledAt: true, scheduledEndAt: true, duration: true, format: true, status: true, startedAt: true, endedAt: true,
        actualDuration: true, cancelledAt: true, cancelReason: true,
        employee: { select: { userId: true } },
        practitioner: { select: { title: true, firstName: true, lastName: true } },
        messages: {
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          select: {
            id: true, consultationId: true, senderId: true, senderRole: true, createdAt: true, isDeleted: true,
            encryptedContent: true, iv: true, authTag: true, encryptedDek: true, dekIv: true, dekAuthTag: true, keyVersion: true,
          },
        },
      },
    });
    const ring = await this.subjects.ring(consultations.map((c) => c.employee.userId));
    let exported: ExportedConsultationDto[];
    try {
      exported = consultations.map((c) => ({
        id: c.id, scheduledAt: c.scheduledAt, scheduledEndAt: c.scheduledEndAt, duration: c.duration, format: c.format, status: c.status,
        startedAt: c.startedAt, endedAt: c.endedAt, actualDuration: c.actualDuration, cancelledAt: c.cancelledAt, cancelReason: c.cancelReason,
        practitioner: me.role === Role.EMPLOYEE ? `${c.practitioner.title} ${c.practitioner.firstName} ${c.practitioner.lastName}` : null,
        messages: c.messages.map((m) => ({
          id: m.id, mine: m.senderId === me.userId, senderRole: m.senderRole, createdAt: m.createdAt, isDeleted: m.isDeleted,
          content: m.isDeleted || !m.encryptedContent ? null : openMessage(ring, m),
        })),
      }));
    } finally {
      ring.close();
    }

    const [journal, notifications, consents, files, deletionRequests] = await Promise.all([
      me.role === Role.EMPLOYEE ? this.journal.allEntries(me) : Promise.resolve([]),
      db.notification.findMany({ where: { userId: me.userId }, orderBy: { createdAt: 'asc' }, select: { id: true, type: true, title: true, message: true, isRead: true, createdAt: true } }),
      db.consent.findMany({ where: { userId: me.userId }, orderBy: { givenAt: 'asc' } }),
      db.file.findMany({ where: { uploadedBy: me.userId }, orderBy: { createdAt: 'asc' }, select: { id: true, originalName: true, mimeType: true, size: true, fileType: true, createdAt: true } }),
      db.deletionRequest.findMany({ where: { userId: me.userId }, orderBy: { requestedAt: 'asc' } }),
    ]);

    const result: PersonalDataExportDto = {
      exportedAt: new Date(),
      profile: {
        id: user.id, email: user.email, role: user.role, isActive: user.isActive, emailVerified: user.emailVerified, twoFactorEnabled: user.twoFactorEnabled,
        createdAt: user.createdAt, lastLoginAt: user.lastLoginAt, companyName: user.company?.name ?? null,
        firstName: e?.firstName ?? p?.firstName ?? null, lastName: e?.lastName ?? p?.lastName ?? null, phoneNumber: e?.phoneNumber ?? null,
        department: e?.department ?? null, position: e?.position ?? null, bio: e?.bio ?? p?.bio ?? null, birthDate: e?.birthDate ?? null,
        preferredLanguage: e?.preferredLanguage ?? null, timezone: e?.timezone ?? p?.timezone ?? null,
      },
      consultations: exported,
      journal: journal.map((j) => ({ id: j.id, content: j.content, mood: j.mood, tags: j.tags, createdAt: j.createdAt, updatedAt: j.updatedAt })),
      notifications,
      consents: consents.map(toConsentDto),
      files,
      deletionRequests: deletionRequests.map(toDeletionRequestDto),
    };
    await this.audit.record({
      action: AuditAction.EXPORT, resource: 'user', resourceId: me.userId, isSensitive: true,
      details: { event: 'PERSONAL_DATA_EXPORTED', format, consultations: exported.length, journalEntries: journal.length },
    });
    return result;
  }

  /** The readable portability copy (US-12.2 "PDF + JSON"), rendered with PDFKit like the journal export. */
  async pdf(data: PersonalDataExportDto): Promise<Readable> {
    const { default: PDFDocument } = await import('pdfkit');
    const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: 'Mes données personnelles', Creator: 'HuntZen Care' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    const ended = once(doc, 'end');
    const h = (t: string) => doc.moveDown(1).font('Helvetica-Bold').fontSize(14).text(pdfText(t)).font('Helvetica').fontSize(10);
    const line = (t: string) => doc.text(pdfText(t));
    const when = (d: Date | null) => (d ? dateTime.format(d) : '—');

    doc.font('Helvetica-Bold').fontSize(18).text('Mes données personnelles — HuntZen Care');
    doc.font('Helvetica').fontSize(10).fillColor('#555555').text(`Export du ${when(data.exportedAt)} (heure de Paris). Copie lisible ; le fichier JSON fait foi.`).fillColor('black');
    h('Profil');
    const pr = data.profile;
    for (const [k, v] of [
      ['E-mail', pr.email], ['Rôle', pr.role], ['Entreprise', pr.companyName], ['Prénom', pr.firstName], ['Nom', pr.lastName],
      ['Téléphone', pr.phoneNumber], ['Service', pr.department], ['Poste', pr.position], ['Compte créé le', when(pr.createdAt)], ['Dernière connexion', when(pr.lastLoginAt)],
    ] as const) line(`${k} : ${v ?? '—'}`);
    h(`Consultations (${data.consultations.length})`);
    for (const c of data.consultations) {
      doc.moveDown(0.5).font('Helvetica-Bold').text(pdfText(`${when(c.scheduledAt)} · ${c.format} · ${c.status}${c.practitioner ? ` · ${c.practitioner}` : ''}`)).font('Helvetica');
      for (const m of c.messages) line(`  [${when(m.createdAt)}] ${m.mine ? 'Moi' : m.senderRole === 'PRACTITIONER' ? 'Praticien' : 'Salarié'} : ${m.content ?? '(message supprimé)'}`);
    }
    h(`Journal (${data.journal.length})`);
    for (const j of data.journal) {
      doc.moveDown(0.5).font('Helvetica-Bold').text(pdfText(`${when(j.createdAt)}${j.mood ? ` · ${j.mood}` : ''}${j.tags.length ? ` · ${j.tags.join(', ')}` : ''}`)).font('Helvetica');
      line(j.content);
    }
    h(`Notifications (${data.notifications.length})`);
    for (const n of data.notifications) line(`[${when(n.createdAt)}] ${n.title} — ${n.message}`);
    h('Consentements');
    for (const c of data.consents) line(`${c.type} v${c.version} : donné le ${when(c.givenAt)}${c.withdrawnAt ? `, retiré le ${when(c.withdrawnAt)}` : ''}`);
    h(`Fichiers (${data.files.length})`);
    for (const f of data.files) line(`${f.originalName} (${f.mimeType}, ${f.size} octets) — ${when(f.createdAt)}`);
    h('Demandes de suppression');
    for (const d of data.deletionRequests) line(`${when(d.requestedAt)} : ${d.status}, suppression prévue le ${when(d.deletionDate)}`);
    doc.end();
    await ended;
    return Readable.from(chunks);
  }
}

const dateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'medium', timeStyle: 'short' });
/** The standard PDF fonts cover WinAnsi only (see the journal export); anything else prints as "?". */
const NOT_WIN_ANSI = /[^\n\x20-\x7e\xa0-\xff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]/gu;
const pdfText = (s: string) => s.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').replace(NOT_WIN_ANSI, '?');
