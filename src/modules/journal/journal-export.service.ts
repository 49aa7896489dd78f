import { Injectable } from '@nestjs/common';
import { AuditAction, Prisma } from '@prisma/client';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { Identity } from '../../common/context/request-context.js';
import { RequestContext } from '../../common/context/request-context.service.js';
import { TenantPrisma } from '../../infra/prisma/tenant-prisma.service.js';
import { utcToLocal } from '../availability/time-zone.js';
import type { ExportFormat, ExportJournalQueryDto, JournalEntryDto } from './dto/journal.dto.js';
import { ENTRY_SELECT, JOURNAL_TIME_ZONE, JournalService } from './journal.service.js';

const BATCH = 100;

const MOOD_LABEL = { VERY_BAD: 'Très mal', BAD: 'Mal', NEUTRAL: 'Neutre', GOOD: 'Bien', VERY_GOOD: 'Très bien' } as const;
const dateTime = new Intl.DateTimeFormat('fr-FR', { timeZone: JOURNAL_TIME_ZONE, dateStyle: 'full', timeStyle: 'short' });

export interface JournalExport {
  filename: string;
  contentType: string;
  stream: Readable;
}

/**
 * I3 (US-6.2): the owner's journal as TXT (UTF-8) or PDF (PDFKit), oldest first, streamed: entries are
 * read and decrypted 100 at a time while the response is written, never held whole in memory.
 */
@Injectable()
export class JournalExportService {
  constructor(
    private readonly tenant: TenantPrisma,
    private readonly journal: JournalService,
    private readonly ctx: RequestContext,
  ) {}

  async export(me: Identity, q: ExportJournalQueryDto): Promise<JournalExport> {
    const where = this.journal.where(me, q);
    // The first batch is read before answering, so a refusal or an unreadable entry is still a proper error.
    const first = await this.batch(me, where);
    await this.journal.recordAudit(undefined, AuditAction.EXPORT, null, { event: 'JOURNAL_EXPORTED', format: q.format });
    const entries = this.entries(me, where, first);
    const day = utcToLocal(JOURNAL_TIME_ZONE, Date.now()).date;
    return {
      filename: `journal-${day}.${q.format}`,
      contentType: q.format === 'pdf' ? 'application/pdf' : 'text/plain; charset=utf-8',
      stream: render(q.format, entries, day),
    };
  }

  private async *entries(me: Identity, where: Prisma.JournalEntryWhereInput, first: JournalEntryDto[]): AsyncGenerator<JournalEntryDto> {
    let batch = first;
    for (;;) {
      yield* batch;
      if (batch.length < BATCH) return;
      batch = await this.batch(me, where, batch.at(-1)!.id);
    }
  }

  /**
   * Later batches run when the client has taken the previous ones, outside the request's async context:
   * the caller is set explicitly, or RLS would (rightly) return nothing.
   */
  private batch(me: Identity, where: Prisma.JournalEntryWhereInput, after?: string): Promise<JournalEntryDto[]> {
    return this.ctx.runAs(me, async () => {
      const [rows, ring] = await Promise.all([
        this.tenant.db.journalEntry.findMany({
          where,
          select: ENTRY_SELECT,
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: BATCH,
          ...(after ? { cursor: { id: after }, skip: 1 } : {}),
        }),
        this.journal.keyring(me),
      ]);
      try {
        return rows.map((r) => this.journal.toDto(r, ring));
      } finally {
        ring.close();
      }
    });
  }
}

function render(format: ExportFormat, entries: AsyncIterable<JournalEntryDto>, day: string): Readable {
  // pull-based: the next entries are read and rendered only when the client has taken the previous output
  return Readable.from(format === 'pdf' ? pdf(entries, day) : txt(entries, day), { objectMode: false });
}

const heading = (e: JournalEntryDto) =>
  [dateTime.format(e.createdAt), e.mood ? `Humeur : ${MOOD_LABEL[e.mood]} (${e.moodRating}/5)` : null, e.tags.length ? `Étiquettes : ${e.tags.join(', ')}` : null]
    .filter(Boolean)
    .join(' · ');

async function* txt(entries: AsyncIterable<JournalEntryDto>, day: string): AsyncGenerator<string> {
  yield `Mon journal — HuntZen Care\nExport du ${day} (heure de Paris)\n\n`;
  for await (const e of entries) yield `${'='.repeat(60)}\n${heading(e)}\n\n${e.content}\n\n`;
}

/**
 * The standard PDF fonts cover WinAnsi (Latin-1 plus the Windows-1252 extras: € œ ’ « » …); anything else
 * (emoji, other scripts) would print as garbage, so it shows as "?". The TXT export keeps every character.
 */
const NOT_WIN_ANSI = /[^\n\x20-\x7e\xa0-\xff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]/gu;
const pdfText = (s: string) => s.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').replace(NOT_WIN_ANSI, '?');

/** PDFKit writes into its own stream; its output is handed on entry by entry. */
async function* pdf(entries: AsyncIterable<JournalEntryDto>, day: string): AsyncGenerator<Buffer> {
  const { default: PDFDocument } = await import('pdfkit'); // loaded on first export, not at every boot
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: 'Mon journal', Creator: 'HuntZen Care' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = once(doc, 'end');
  doc.font('Helvetica-Bold').fontSize(18).text('Mon journal — HuntZen Care');
  doc.font('Helvetica').fontSize(10).fillColor('#555555').text(`Export du ${day} (heure de Paris)`).fillColor('black');
  for await (const e of entries) {
    doc.moveDown(1.2).font('Helvetica-Bold').fontSize(11).text(pdfText(heading(e)));
    doc.moveDown(0.4).font('Helvetica').fontSize(11).text(pdfText(e.content));
    yield* chunks.splice(0);
  }
  doc.end();
  await ended;
  yield* chunks.splice(0);
}
