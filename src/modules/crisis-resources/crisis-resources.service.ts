import { Injectable } from '@nestjs/common';
import { AuditAction, Prisma, Role } from '@prisma/client';
import type { Identity } from '../../common/context/request-context.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { CompanyCrisisContactDto, CompanyCrisisContactInputDto, CrisisLineDto, CrisisResourcesDto } from './dto/crisis-resources.dto.js';

/** French national lines, free and open 24/7 (checked against the official sites, 2026). */
export const NATIONAL_CRISIS_LINES: readonly CrisisLineDto[] = [
  { label: '3114 — Numéro national de prévention du suicide', phone: '3114', url: 'https://3114.fr', hours: '24h/24, 7j/7', description: 'Écoute et orientation par des professionnels de santé, gratuit et confidentiel.' },
  { label: 'SAMU', phone: '15', url: null, hours: '24h/24, 7j/7', description: 'Urgence médicale.' },
  { label: 'Numéro d’urgence européen', phone: '112', url: null, hours: '24h/24, 7j/7', description: 'Toute urgence, depuis n’importe quel téléphone dans l’Union européenne.' },
  { label: 'SOS Amitié', phone: '09 72 39 40 50', url: 'https://www.sos-amitie.com', hours: '24h/24, 7j/7', description: 'Écoute anonyme pour les personnes en détresse ou en souffrance.' },
];

/**
 * Crisis resources (beyond the spec): national emergency lines and the company's own assistance
 * contacts. Reading them is never recorded — no audit row, no access-log line — since knowing who looked
 * for help is itself health information.
 */
@Injectable()
export class CrisisResourcesService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly audit: AuditService,
  ) {}

  async get(me: Identity): Promise<CrisisResourcesDto> {
    const withCompany = (me.role === Role.EMPLOYEE || me.role === Role.ADMIN_RH) && me.companyId;
    const company = withCompany ? await this.tenant.db.company.findUnique({ where: { id: me.companyId! }, select: { crisisContacts: true } }) : null;
    return { national: [...NATIONAL_CRISIS_LINES], company: toContacts(company?.crisisContacts) };
  }

  /** Replaces the company's list (ADMIN_RH of that company; the companies policies enforce it too). */
  async replaceCompanyContacts(me: Identity, contacts: CompanyCrisisContactInputDto[]): Promise<CrisisResourcesDto> {
    const stored: CompanyCrisisContactDto[] = contacts.map((c) => ({ label: c.label, phone: c.phone ?? null, url: c.url ?? null, hours: c.hours ?? null }));
    await this.tenant.tx(async (tx) => {
      await tx.company.update({ where: { id: me.companyId! }, data: { crisisContacts: stored as unknown as Prisma.InputJsonArray }, select: { id: true } });
      await this.audit.record({ action: AuditAction.UPDATE, resource: 'company', resourceId: me.companyId, details: { event: 'CRISIS_CONTACTS_UPDATED', count: stored.length } }, tx);
    });
    return { national: [...NATIONAL_CRISIS_LINES], company: stored };
  }
}

/** Only the known fields of well-formed entries leave the database. */
function toContacts(value: Prisma.JsonValue | undefined): CompanyCrisisContactDto[] {
  if (!Array.isArray(value)) return [];
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return value.flatMap((v) => {
    const o = v as Record<string, unknown> | null;
    return o && typeof o.label === 'string' ? [{ label: o.label, phone: str(o.phone), url: str(o.url), hours: str(o.hours) }] : [];
  });
}
