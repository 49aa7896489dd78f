import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Response } from 'express';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Identity } from '../../common/context/request-context.js';
import { AppConfig } from '../../config/app-config.service.js';
import { closeStep } from '../../infra/lifecycle/shutdown.js';
import { callerContextValues, SET_CALLER_CONTEXT } from '../../infra/prisma/caller-context.js';
import { Period, REPORT_TIME_ZONE } from '../employees/period.js';
import { BOM, commentLine, csvLine, parisDate } from './csv.js';

/** Where a streamed CSV goes: an HTTP response, or a file (export job). */
export interface CsvSink {
  /** Called once the first bytes came from PostgreSQL, before the first byte is sent. */
  begin(): void;
  write(chunk: string | Buffer): Promise<void>;
  /** The reader went away: stop reading. */
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

/** Dedicated connections for exports, so a long download never holds the request pool. */
const EXPORT_CONNECTIONS = 4;
/** A value in the COPY statement (COPY takes no bind parameters): quoted by node-postgres. */
const lit = (v: string | null) => (v === null ? 'NULL' : pg.escapeLiteral(v));
/** Minutes of a duration in seconds, rounded as minutesOf() rounds (half up; durations are never negative). */
const minutesSql = (seconds: string) => `round(${seconds} / 60.0)::bigint`;
const NEWLINE = 0x0a;

/**
 * CSV exports (SPEC §6.7) written by PostgreSQL: `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)` on a dedicated
 * pool (role huntzen_app, under RLS), in one READ ONLY transaction with the caller's context set exactly as
 * TenantPrisma sets it. The api relays the bytes with back-pressure (pg-copy-streams reads the connection only
 * when the response has drained): no JavaScript row, string or line per employee, so memory stays flat whatever
 * the size. Fields are quoted by COPY (RFC 4180) and guarded against formulas by csv_cell() (the SQL half of
 * csvField). A client that goes away stops the reading; the connection, left inside its COPY, is discarded.
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
    const out = createWriteStream(tmp);
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
    return this.copy(sink, me, head, {
      select: `SELECT csv_cell(first_name || ' ' || last_name), csv_cell(department), consultation_count, ${minutesSql('total_duration_seconds')}
               FROM report_employee_usage(${lit(p.companyId)}::uuid, ${lit(p.period.start)}::date, ${lit(p.period.end)}::date, ${lit(p.department)}::text, NULL)
               ORDER BY last_name, first_name, employee_id`,
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
    const rows = `FROM consultations c JOIN companies co ON co.id = c.company_id
             WHERE c.practitioner_id = app_practitioner_id() AND c.status = 'COMPLETED' AND c.billing_status IN ('VALIDATED', 'BILLED')
               AND c.scheduled_at >= (${lit(p.period.start)}::timestamp AT TIME ZONE '${REPORT_TIME_ZONE}')
               AND c.scheduled_at < (${lit(p.period.end)}::timestamp AT TIME ZONE '${REPORT_TIME_ZONE}')`;
    const minutes = minutesSql('COALESCE(c.actual_duration_seconds, 0)');
    return this.copy(httpSink(res, p.filename), me, head, {
      select: `SELECT to_char(c.scheduled_at AT TIME ZONE '${REPORT_TIME_ZONE}', 'YYYY-MM-DD'), csv_cell(co.name), ${minutes}, c.status::text
               ${rows} ORDER BY c.scheduled_at, c.id`,
      // the TOTAL adds up the column above it (the payroll reads the file): same rows, same snapshot
      tail: async (client) => {
        const t = (await client.query<{ count: number; minutes: string }>(`SELECT count(*)::int AS count, COALESCE(sum(${minutes}), 0) AS minutes ${rows}`)).rows[0];
        return `\nTOTAL,${t.count} consultations,${t.minutes} minutes\n`;
      },
    });
  }

  /**
   * Streams `select` as CSV lines after `head`, then `tail` (read in the same REPEATABLE READ snapshot as the
   * lines). The first bytes are awaited before anything is sent: a database error still answers a clean 500.
   */
  private async copy(sink: CsvSink, me: Identity, head: string, q: { select: string; tail?: (client: pg.PoolClient) => Promise<string> }): Promise<number> {
    const client = await this.pool.connect();
    let broken = false;
    let lines = 0;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(SET_CALLER_CONTEXT, callerContextValues(me));
      const copy = client.query(copyTo(`COPY (${q.select}) TO STDOUT WITH (FORMAT csv)`));
      const start = async () => {
        sink.begin();
        await sink.write(head);
      };
      for await (const chunk of copy as AsyncIterable<Buffer>) {
        if (!sink.started) await start();
        await sink.write(chunk);
        if (sink.gone) {
          broken = true; // the connection is inside its COPY: not reusable
          return lines;
        }
        if (sink.progress) {
          // progress counts line ends (a quoted field may hold one: an estimate; the total is COPY's own count)
          for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) lines += 1;
          await sink.progress(lines);
        }
      }
      if (!sink.started) await start(); // no row: the head alone
      const tail = q.tail ? await q.tail(client) : '';
      await client.query('COMMIT');
      if (tail) await sink.write(tail);
      await sink.end();
      return copy.rowCount;
    } catch (e) {
      broken = true;
      if (sink.started) {
        this.logger.warn({ message: 'export interrupted', error: (e as Error).name });
        sink.abort();
        if (sink.gone) return lines;
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
