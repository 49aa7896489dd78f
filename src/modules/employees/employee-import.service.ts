import { Injectable, Logger } from '@nestjs/common';
import { AuditAction } from '@prisma/client';
import { isEmail } from 'class-validator';
import type { Identity } from '../../common/context/request-context.js';
import { AppException } from '../../common/errors/app.exception.js';
import { ErrorCode, ErrorDetail } from '../../common/errors/error-codes.js';
import { uniqueViolation } from '../../infra/prisma/db-errors.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { ImportErrorDto, ImportResultDto } from './dto/employees.dto.js';
import { domainAllowed, EmployeesService, InvitingCompany, Invitee } from './employees.service.js';

export const CSV_MAX_BYTES = 2 * 1024 * 1024;
export const CSV_MAX_ROWS = 5000;
const COLUMNS = ['email', 'firstName', 'lastName', 'department', 'position'] as const;
const REQUIRED = new Set<string>(COLUMNS);
/** Rows created at once: enough to hide round trips, few enough to leave pool connections to others. */
const CONCURRENCY = 8;
const MAX_TEXT = 100;

interface Row extends Invitee {
  row: number;
}

const invalidFile = (details: ErrorDetail[]) => AppException.badRequest(ErrorCode.VALIDATION_ERROR, 'Fichier CSV invalide', details);

const CSV_PROBLEMS: Record<string, string> = {
  CSV_RECORD_INCONSISTENT_COLUMNS: "nombre de colonnes différent de l'en-tête",
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: "nombre de colonnes différent de l'en-tête",
  CSV_QUOTE_NOT_CLOSED: 'guillemet non refermé',
  CSV_INVALID_CLOSING_QUOTE: 'guillemet fermant mal placé',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'caractère inattendu après un guillemet fermant',
  CSV_MAX_RECORD_SIZE: 'ligne trop longue',
};

/**
 * E3 CSV import (US-2.3, SPEC §11 A15): each valid row becomes an invited employee in its own
 * transaction, so a failing row never aborts the others nor leaves a half-created account; invalid,
 * duplicate and already existing e-mails are skipped and reported with their row number (header = 1).
 */
@Injectable()
export class EmployeeImportService {
  private readonly logger = new Logger('EmployeeImport');

  constructor(
    private readonly tenant: TenantPrisma,
    private readonly employees: EmployeesService,
    private readonly audit: AuditService,
  ) {}

  async import(me: Identity, file: Express.Multer.File | undefined): Promise<ImportResultDto> {
    if (!file || file.size === 0) throw invalidFile([{ field: 'file', message: 'fichier CSV requis (champ multipart « file »)' }]);
    const text = await this.asText(file.buffer);
    const rows = await this.parse(text);
    const company = await this.employees.invitingCompany(me);

    const errors: ImportErrorDto[] = [];
    const valid = await this.screen(rows, company, errors);
    const invited: { row: Row; token: string }[] = [];
    await eachWithLimit(valid, CONCURRENCY, async (row) => {
      try {
        const { token } = await this.tenant.tx((tx) => this.employees.insertInvitee(tx, me, company, row, 'csv'));
        invited.push({ row, token });
      } catch (e) {
        errors.push({ row: row.row, email: row.email, reason: this.reasonFor(e) });
      }
    });
    errors.sort((a, b) => a.row - b.row);
    await this.audit.record({ action: AuditAction.IMPORT, resource: 'employee', details: { event: 'EMPLOYEE_IMPORTED', rows: rows.length, success: invited.length, failed: errors.length } });
    // queued once the rows are written, so the mail worker does not compete with the import itself
    for (const { row, token } of invited) await this.employees.sendInvitation(row.email, row.firstName, company.name, token);
    return { success: invited.length, failed: errors.length, errors };
  }

  /** Content sniffing, not the client's MIME type: any known binary format, or NUL bytes, is not a CSV. */
  private async asText(buffer: Buffer): Promise<string> {
    const { fileTypeFromBuffer } = await import('file-type'); // loaded on the first import, not at boot
    const detected = await fileTypeFromBuffer(buffer);
    if (detected || buffer.includes(0)) {
      throw new AppException(415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Le fichier doit être un CSV (texte)', [{ field: 'file', message: 'type de fichier non pris en charge' }]);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
    } catch {
      throw invalidFile([{ field: 'file', message: 'le fichier doit être encodé en UTF-8' }]);
    }
  }

  private async parse(text: string): Promise<Row[]> {
    const { CsvError, parse } = await import('csv-parse/sync'); // loaded on the first import, not at boot
    const firstLine = text.slice(0, text.search(/\r?\n|$/));
    // Excel in French locales writes ";" — accepted when the header clearly uses it
    const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
    let headerSeen = false;
    let records: { record: Record<string, string>; info: { lines: number } }[];
    try {
      records = parse(text, {
        columns: (header: string[]) => {
          headerSeen = true;
          return this.checkHeader(header);
        },
        bom: true,
        trim: true,
        skip_empty_lines: true,
        delimiter,
        info: true,
        max_record_size: 10_000,
        to: CSV_MAX_ROWS + 1,
      });
    } catch (e) {
      if (e instanceof AppException) throw e;
      if (e instanceof CsvError) throw invalidFile([{ field: 'file', message: `ligne ${e.lines}: ${CSV_PROBLEMS[e.code] ?? 'CSV illisible'}` }]);
      throw e;
    }
    if (!headerSeen) throw invalidFile([{ field: 'file', message: 'fichier vide : en-tête attendu ' + COLUMNS.join(',') }]);
    if (records.length === 0) throw invalidFile([{ field: 'file', message: 'aucune ligne de données' }]);
    if (records.length > CSV_MAX_ROWS) throw invalidFile([{ field: 'file', message: `${CSV_MAX_ROWS} lignes au maximum par import` }]);
    return records.map(({ record, info }) => ({
      // first line of the record: a quoted field may span several lines
      row: info.lines - Object.values(record).reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0),
      email: record.email.toLowerCase(),
      firstName: record.firstName,
      lastName: record.lastName,
      department: record.department || null,
      position: record.position || null,
    }));
  }

  /** Maps the header to the expected names (case-insensitive); missing, unknown or repeated columns are a 400. */
  private checkHeader(header: string[]): string[] {
    const byLower = new Map(COLUMNS.map((c) => [c.toLowerCase(), c as string]));
    const names = header.map((h) => byLower.get(h.trim().toLowerCase()) ?? h.trim());
    const details: ErrorDetail[] = [
      ...COLUMNS.filter((c) => !names.includes(c)).map((c) => ({ field: c, message: 'colonne manquante' })),
      ...names.filter((n) => !REQUIRED.has(n)).map((n) => ({ field: n || '(vide)', message: 'colonne inconnue' })),
      ...names.filter((n, i) => REQUIRED.has(n) && names.indexOf(n) !== i).map((n) => ({ field: n, message: 'colonne en double' })),
    ];
    if (details.length) throw invalidFile(details);
    return names;
  }

  /** Per-row checks that need no write: format, allowed domain, duplicates in the file, known accounts. */
  private async screen(rows: Row[], company: InvitingCompany, errors: ImportErrorDto[]): Promise<Row[]> {
    // HR sees its company's accounts; an address used elsewhere surfaces as a unique violation later
    const known = new Set(
      (await this.tenant.db.user.findMany({ where: { email: { in: rows.map((r) => r.email) } }, select: { email: true } })).map((u) => u.email),
    );
    const seen = new Set<string>();
    const valid: Row[] = [];
    for (const row of rows) {
      const reason = rowProblem(row, company) ?? (seen.has(row.email) ? 'adresse e-mail en double dans le fichier' : known.has(row.email) ? 'un compte existe déjà avec cette adresse e-mail' : null);
      if (row.email) seen.add(row.email);
      if (reason) errors.push({ row: row.row, email: row.email || null, reason });
      else valid.push(row);
    }
    return valid;
  }

  private reasonFor(e: unknown): string {
    if (uniqueViolation(e)?.some((f) => f.includes('email'))) return 'un compte existe déjà avec cette adresse e-mail';
    if (e instanceof AppException && e.code === ErrorCode.SEAT_LIMIT_REACHED) return 'limite de salariés de l’entreprise atteinte';
    this.logger.error({ message: 'import row failed', error: (e as Error)?.name });
    return 'erreur interne : ligne non importée';
  }
}

function rowProblem(row: Row, company: InvitingCompany): string | null {
  if (!row.email) return 'adresse e-mail manquante';
  if (row.email.length > 254 || !isEmail(row.email)) return 'adresse e-mail invalide';
  if (!domainAllowed(company, row.email)) return "domaine e-mail non autorisé pour l'entreprise";
  if (!row.firstName) return 'prénom manquant';
  if (!row.lastName) return 'nom manquant';
  if ([row.firstName, row.lastName, row.department ?? '', row.position ?? ''].some((v) => v.length > MAX_TEXT)) return `champ de plus de ${MAX_TEXT} caractères`;
  return null;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function eachWithLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
