import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Response } from 'express';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Identity } from '../../common/context/request-context.js';
import { AppConfig } from '../../config/app-config.service.js';
import { closeStep } from '../../infra/lifecycle/shutdown.js';
import { callerContextValues, SET_CALLER_CONTEXT } from '../../infra/prisma/caller-context.js';
import { Period, REPORT_TIME_ZONE } from '../employees/period.js';
import { BOM, commentLine, csvLine, parisDate } from './csv.js';
import { minutesOf } from './threshold.js';

/** Where a streamed CSV goes: an HTTP response, or a file (export job). */
export interface CsvSink {
  /** Called once the first FETCH succeeded, before the first byte. */
  begin(): void;
  write(chunk: string): Promise<void>;
  /** The reader went away: stop fetching. */
  readonly gone: boolean;
  end(): Promise<void>;
  /** After bytes were sent, an error can only cut the output. */
  abort(): void;
  readonly started: boolean;
  progress?(rows: number): Promise<void>;
}

export interface EmployeeUsageExport {
  companyId: string;
  companyName: string;
  period: Period;
  department: string | null;
  minGroup: number;
  filename: string;
}

/** Rows fetched per round trip: bounds the api's memory whatever the size of the export. */
const FETCH_ROWS = 2_000;
/**
 * Lines per write. Each write is one string of about 16 KB: small enough to be born and die in V8's young
 * generation. A whole batch as one string (2,000 lines, about 130 KB) is a "large object" that V8 allocates
 * directly in the old generation, where it stays until a full collection: 500 of them for 1,000,000 rows.
 */
const WRITE_LINES = 256;
/** Dedicated connections for exports, so a long download never holds the request pool. */
const EXPORT_CONNECTIONS = 4;

/**
 * CSV exports (SPEC §6.7) streamed from a server-side cursor in constant memory: on a dedicated pool
 * (role huntzen_app, under RLS), one READ ONLY transaction with the caller's context set exactly as
 * TenantPrisma sets it, `DECLARE … NO SCROLL CURSOR`, then FETCH batches written to the response with
 * back-pressure (the next FETCH waits for the socket to drain). A client that goes away stops the fetching
 * and rolls the transaction back.
 */
@Injectable()
export class ReportExportService implements OnApplicationShutdown {
  private readonly logger = new Logger('ReportExport');
  private readonly pool: pg.Pool;

  constructor(config: AppConfig) {
    this.pool = new pg.Pool({ connectionString: config.get('APP_DATABASE_URL'), max: EXPORT_CONNECTIONS, connectionTimeoutMillis: 4_000 });
    this.pool.on('error', (e) => this.logger.warn({ message: 'export connection error', error: e.name }));
  }

  async onApplicationShutdown(): Promise<void> {
    await closeStep('postgres (export pool)', this.pool.end());
  }

  /** R3 / X7 body: per-employee counters of one company (names, department, count, minutes). */
  async employeeUsage(res: Response, me: Identity, p: EmployeeUsageExport) {
    return this.employeeUsageTo(httpSink(res, p.filename), me, p);
  }

  /** Export job: the same file written to `file` (via a temporary name, renamed when complete). */
  async employeeUsageToFile(file: string, me: Identity, p: EmployeeUsageExport, progress: (rows: number) => Promise<void>): Promise<number> {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.part`;
    const out = createWriteStream(tmp, { encoding: 'utf8' });
    let started = false;
    const sink: CsvSink = {
      begin: () => (started = true),
      get started() {
        return started;
      },
      gone: false,
      write: async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain');
      },
      end: async () => {
        out.end();
        await once(out, 'finish');
      },
      abort: () => out.destroy(),
      progress,
    };
    const rows = await this.employeeUsageTo(sink, me, p);
    await rename(tmp, file);
    return rows;
  }

  private async employeeUsageTo(sink: CsvSink, me: Identity, p: EmployeeUsageExport) {
    const head =
      BOM +
      commentLine('RAPPORT UTILISATION EMPLOYÉS - ANONYMISÉ') +
      commentLine(`Conformité RGPD : Données agrégées uniquement, seuil min. ${p.minGroup} employés`) +
      commentLine(`Période: ${p.period.label}`) +
      commentLine(`Entreprise: ${p.companyName}`) +
      commentLine(`Généré le: ${parisDate()}`) +
      '\n' +
      csvLine(['Employé', 'Département', 'Consultations', 'Durée (min)']);
    // rows as arrays (rowMode 'array'), in the SELECT's column order: no object per row
    type Row = [firstName: string, lastName: string, department: string | null, count: number, seconds: string];
    return this.stream<Row>(sink, me, head, {
      text: `SELECT first_name, last_name, department, consultation_count, total_duration_seconds
             FROM report_employee_usage($1::uuid, $2::date, $3::date, $4::text, NULL) ORDER BY last_name, first_name, employee_id`,
      values: [p.companyId, p.period.start, p.period.end, p.department],
      line: (r) => csvLine([`${r[0]} ${r[1]}`, r[2] ?? '', r[3], minutesOf(Number(r[4]))]),
    });
  }

  /** R6 body: the caller's counted consultations, one line each, then the TOTAL line. Read under RLS. */
  async practitionerBilling(res: Response, me: Identity, p: { practitionerName: string; period: Period; filename: string }) {
    const head =
      BOM +
      commentLine('RAPPORT FACTURATION PRATICIEN') +
      commentLine(`Période: ${p.period.label}`) +
      commentLine(`Praticien: ${p.practitionerName}`) +
      commentLine(`Généré le: ${parisDate()}`) +
      '\n' +
      csvLine(['Date', 'Entreprise', 'Durée (min)', 'Statut']);
    let count = 0;
    let minutes = 0;
    type Row = [day: string, companyName: string, seconds: number | null, status: string];
    return this.stream<Row>(httpSink(res, p.filename), me, head, {
      text: `SELECT to_char(c.scheduled_at AT TIME ZONE '${REPORT_TIME_ZONE}', 'YYYY-MM-DD') AS day, co.name AS company_name,
                    c.actual_duration_seconds AS seconds, c.status::text AS status
             FROM consultations c JOIN companies co ON co.id = c.company_id
             WHERE c.practitioner_id = app_practitioner_id() AND c.status = 'COMPLETED' AND c.billing_status IN ('VALIDATED', 'BILLED')
               AND c.scheduled_at >= ($1::timestamp AT TIME ZONE '${REPORT_TIME_ZONE}') AND c.scheduled_at < ($2::timestamp AT TIME ZONE '${REPORT_TIME_ZONE}')
             ORDER BY c.scheduled_at, c.id`,
      values: [p.period.start, p.period.end],
      line: (r) => {
        const m = minutesOf(r[2] ?? 0);
        count += 1;
        minutes += m;
        return csvLine([r[0], r[1], m, r[3]]);
      },
      // the TOTAL adds up the column above it (the payroll reads the file)
      tail: () => `\nTOTAL,${count} consultations,${minutes} minutes\n`,
    });
  }

  private async stream<R>(sink: CsvSink, me: Identity, head: string, q: { text: string; values: unknown[]; line: (r: R) => string; tail?: () => string }): Promise<number> {
    const client = await this.pool.connect();
    let broken = false;
    let rows = 0;
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(SET_CALLER_CONTEXT, callerContextValues(me));
      await client.query({ text: `DECLARE report_cursor NO SCROLL CURSOR FOR ${q.text}`, values: q.values });
      // the first FETCH runs before any byte is sent: a database error still answers a clean 500
      const fetch = async () => (await client.query({ text: `FETCH ${FETCH_ROWS} FROM report_cursor`, rowMode: 'array' })).rows as R[];
      let batch = await fetch();
      sink.begin();
      await sink.write(head);
      while (batch.length && !sink.gone) {
        rows += batch.length;
        for (let i = 0; i < batch.length && !sink.gone; i += WRITE_LINES) {
          let chunk = '';
          for (let j = i, end = Math.min(batch.length, i + WRITE_LINES); j < end; j++) chunk += q.line(batch[j]);
          await sink.write(chunk);
        }
        await sink.progress?.(rows);
        if (batch.length < FETCH_ROWS) break;
        batch = await fetch();
      }
      if (!sink.gone && q.tail) await sink.write(q.tail());
      await client.query(sink.gone ? 'ROLLBACK' : 'COMMIT');
      await sink.end();
      return rows;
    } catch (e) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      if (sink.started) {
        this.logger.warn({ message: 'export interrupted', error: (e as Error).name, rows });
        sink.abort();
        if (sink.gone) return rows;
      }
      throw e;
    } finally {
      client.release(broken ? true : undefined);
    }
  }
}

/** The response as a sink: headers at `begin`, back-pressure on writes, stop when the client leaves. */
function httpSink(res: Response, filename: string): CsvSink {
  let gone = false;
  // One 'drain' and one 'close' listener for the whole export, resolving whichever write waits. Not one pair
  // per write: the compression middleware moves 'drain' listeners onto its gzip stream, where `res.off`
  // cannot remove them, so per-write listeners piled up (MaxListenersExceededWarning on large exports).
  let waiting: (() => void)[] = [];
  const wake = () => {
    const resolvers = waiting;
    waiting = [];
    for (const resolve of resolvers) resolve();
  };
  res.on('drain', wake);
  res.once('close', () => {
    gone = !res.writableEnded;
    wake();
  });
  return {
    begin() {
      res.status(200);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
      res.setHeader('Cache-Control', 'no-store');
    },
    get started() {
      return res.headersSent;
    },
    get gone() {
      return gone;
    },
    write: (chunk) => (res.write(chunk) || gone ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve))),
    end: async () => {
      res.end();
    },
    abort() {
      gone = true; // the response is cut: nothing more can be said to this client
      res.destroy();
    },
  };
}
