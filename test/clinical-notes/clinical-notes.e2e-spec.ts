import { getQueueToken } from '@nestjs/bullmq';
import { ConsultationStatus, Role } from '@prisma/client';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { QUEUE } from '../../src/infra/queue/queues.js';
import { ClinicalNotesRetentionProcessor, NOTE_RETENTION_JOB } from '../../src/modules/clinical-notes/clinical-notes-retention.processor.js';
import { bearer, createUser, signAccessToken, TestUser } from '../helpers/fixtures.js';
import { startTestApp, TestContext } from '../helpers/test-app.js';
import { createOpenPractitioner, employeesOf, insertConsultation } from '../consultations/helpers.js';

const HOUR = 3600_000;
const ENVELOPE_COLUMNS = ['encrypted_content', 'iv', 'auth_tag', 'encrypted_dek', 'dek_iv', 'dek_auth_tag', 'key_version'] as const;

describe('clinical notes (CN1–CN4, X3)', () => {
  let t: TestContext;
  let author: TestUser;
  let colleague: TestUser;
  let employee: TestUser;
  let others: Record<'SUPER_ADMIN' | 'ADMIN_HUNTZEN' | 'ADMIN_RH', TestUser>;
  /** A consultation per status, all the author's; `colleagues` is another practitioner's, started. */
  const cons = {} as Record<ConsultationStatus | 'colleagues', string>;
  let hour = -200;

  const as = (u: TestUser) => bearer(signAccessToken(u));
  /** Distinct hours in the past so the exclusion constraints never meet. */
  const nextStart = () => new Date(Date.now() + (hour += 2) * HOUR);
  const secret = () => `Patient évoque des idées noires ${randomUUID()}`;
  const create = (body: Record<string, unknown>, who = author) => t.http.post('/api/clinical-notes').set(as(who)).send(body);
  const noteCount = (consultationId: string) => t.db.clinicalNote.count({ where: { consultationId } });

  async function consultation(practitioner: TestUser, status: ConsultationStatus): Promise<string> {
    const start = nextStart();
    const started = status === 'IN_PROGRESS' || status === 'COMPLETED';
    const c = await insertConsultation(t.db, employee, practitioner, {
      start,
      status,
      startedAt: started ? start : undefined,
      endedAt: status === 'COMPLETED' ? new Date(start.getTime() + 50 * 60_000) : undefined,
    });
    return c.id;
  }

  beforeAll(async () => {
    t = await startTestApp();
    author = await createOpenPractitioner(t.db);
    colleague = await createOpenPractitioner(t.db);
    [employee] = await employeesOf(t.db, 1);
    const company = { id: employee.companyId!, domain: employee.email.split('@')[1] };
    others = {
      SUPER_ADMIN: await createUser(t.db, Role.SUPER_ADMIN),
      ADMIN_HUNTZEN: await createUser(t.db, Role.ADMIN_HUNTZEN),
      ADMIN_RH: await createUser(t.db, Role.ADMIN_RH, { company }),
    };
    for (const status of Object.values(ConsultationStatus)) cons[status] = await consultation(author, status);
    cons.colleagues = await consultation(colleague, 'IN_PROGRESS');
  });
  afterAll(() => t?.close());

  it('CN1 creates an encrypted note on a started consultation: 201 without the content, audit without content', async () => {
    const text = secret();
    const res = await create({ consultationId: cons.IN_PROGRESS, content: text });
    expect(res.status).toBe(201);
    expect(res.body.note).toEqual({ id: expect.any(String), consultationId: cons.IN_PROGRESS, noteType: 'SESSION_NOTE', createdAt: expect.any(String), updatedAt: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toContain(text);
    expect(res.body.note).not.toHaveProperty('content');

    const row = await t.db.clinicalNote.findUniqueOrThrow({ where: { id: res.body.note.id } });
    expect(row).toMatchObject({ practitionerId: author.practitionerId, keyVersion: 'v2', deletedAt: null });
    expect(row.iv).toMatch(/^[0-9a-f]{32}$/);
    expect(row.authTag).toMatch(/^[0-9a-f]{32}$/);

    const audit = await t.db.auditLog.findMany({ where: { resource: 'clinical_note', resourceId: row.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'CREATE', userId: author.id, isSensitive: true, details: { event: 'CLINICAL_NOTE_CREATED' } });
    expect(JSON.stringify(audit)).not.toContain(text);

    // a completed consultation too, with a note type
    const done = await create({ consultationId: cons.COMPLETED, content: secret(), noteType: 'PRESCRIPTION' });
    expect([done.status, done.body.note.noteType]).toEqual([201, 'PRESCRIPTION']);
  });

  it('no plaintext in any column of the stored rows, nor in the audit rows', async () => {
    const marker = `marqueur-${randomUUID()}`;
    const res = await create({ consultationId: cons.IN_PROGRESS, content: `Séance : ${marker}` });
    expect(res.status).toBe(201);
    const hex = Buffer.from(marker, 'utf8').toString('hex');
    const rows = await t.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM clinical_notes n
       WHERE n.id = ${res.body.note.id}::uuid AND (row_to_json(n)::text ILIKE ${`%${marker}%`} OR row_to_json(n)::text ILIKE ${`%${hex}%`})`;
    expect(rows[0].n).toBe(0);
    const stored = await t.db.$queryRaw<Record<string, string>[]>`SELECT * FROM clinical_notes WHERE id = ${res.body.note.id}::uuid`;
    expect(stored).toHaveLength(1); // the query above did see the row
    const audits = await t.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM audit_logs WHERE row_to_json(audit_logs)::text ILIKE ${`%${marker}%`}`;
    expect(audits[0].n).toBe(0);
    // and it does decrypt back for the author
    expect((await t.http.get(`/api/clinical-notes/${res.body.note.id}`).set(as(author))).body.note.content).toBe(`Séance : ${marker}`);
  });

  it('CN2 lists the author’s live notes of a consultation, decrypted, oldest first; X3 reads one', async () => {
    const c = await consultation(author, 'COMPLETED');
    const texts = [secret(), secret()];
    const ids: string[] = [];
    for (const content of texts) ids.push((await create({ consultationId: c, content, noteType: 'FOLLOW_UP' })).body.note.id);

    const list = await t.http.get(`/api/clinical-notes/consultation/${c}`).set(as(author));
    expect(list.status).toBe(200);
    expect(list.body.notes.map((n: { id: string; content: string }) => [n.id, n.content])).toEqual([[ids[0], texts[0]], [ids[1], texts[1]]]);
    expect(list.body.notes[0]).toMatchObject({ consultationId: c, noteType: 'FOLLOW_UP', createdAt: expect.any(String), updatedAt: expect.any(String) });
    const read = await t.db.auditLog.findFirstOrThrow({ where: { resource: 'clinical_note', action: 'READ', userId: author.id, details: { path: ['event'], equals: 'CLINICAL_NOTES_READ' } }, orderBy: { createdAt: 'desc' } });
    expect(read.details).toEqual({ event: 'CLINICAL_NOTES_READ', noteIds: ids });

    const one = await t.http.get(`/api/clinical-notes/${ids[1]}`).set(as(author));
    expect(one.status).toBe(200);
    expect(one.body.note).toMatchObject({ id: ids[1], consultationId: c, noteType: 'FOLLOW_UP', content: texts[1] });
    expect(await t.db.auditLog.count({ where: { resource: 'clinical_note', resourceId: ids[1], action: 'READ' } })).toBe(1);

    // a consultation of the author's without notes: an empty list
    const empty = await t.http.get(`/api/clinical-notes/consultation/${cons.SCHEDULED}`).set(as(author));
    expect([empty.status, empty.body]).toEqual([200, { notes: [] }]);
  });

  it('CN3 re-encrypts under a fresh data key, does not echo the content, keeps the type unless given', async () => {
    const id = (await create({ consultationId: cons.IN_PROGRESS, content: secret(), noteType: 'INITIAL_ASSESSMENT' })).body.note.id;
    const before = await t.db.clinicalNote.findUniqueOrThrow({ where: { id } });
    const text = secret();
    const res = await t.http.put(`/api/clinical-notes/${id}`).set(as(author)).send({ content: text });
    expect(res.status).toBe(200);
    expect(res.body.note).toMatchObject({ id, consultationId: cons.IN_PROGRESS, noteType: 'INITIAL_ASSESSMENT' });
    expect(JSON.stringify(res.body)).not.toContain(text);
    const after = await t.db.clinicalNote.findUniqueOrThrow({ where: { id } });
    expect(after.encryptedDek).not.toBe(before.encryptedDek);
    expect(after.iv).not.toBe(before.iv);
    expect((await t.http.get(`/api/clinical-notes/${id}`).set(as(author))).body.note.content).toBe(text);

    const retyped = await t.http.put(`/api/clinical-notes/${id}`).set(as(author)).send({ content: text, noteType: 'REFERRAL' });
    expect([retyped.status, retyped.body.note.noteType]).toEqual([200, 'REFERRAL']);
    const audit = await t.db.auditLog.findMany({ where: { resource: 'clinical_note', resourceId: id, action: 'UPDATE' } });
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain(text);
  });

  it('CN4 soft-deletes: hidden from the author (404 everywhere), kept in the database, audited', async () => {
    const c = await consultation(author, 'COMPLETED');
    const kept = (await create({ consultationId: c, content: secret() })).body.note.id;
    const id = (await create({ consultationId: c, content: secret() })).body.note.id;
    const res = await t.http.delete(`/api/clinical-notes/${id}`).set(as(author));
    expect([res.status, res.body]).toEqual([200, { message: 'Note supprimée' }]);

    for (const r of [
      await t.http.get(`/api/clinical-notes/${id}`).set(as(author)),
      await t.http.put(`/api/clinical-notes/${id}`).set(as(author)).send({ content: 'x' }),
      await t.http.delete(`/api/clinical-notes/${id}`).set(as(author)),
    ]) {
      expect([r.status, r.body.error.code]).toEqual([404, 'NOT_FOUND']);
    }
    const list = await t.http.get(`/api/clinical-notes/consultation/${c}`).set(as(author));
    expect(list.body.notes.map((n: { id: string }) => n.id)).toEqual([kept]);

    const row = await t.db.clinicalNote.findUniqueOrThrow({ where: { id } });
    expect(Math.abs(row.deletedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await t.db.auditLog.count({ where: { resource: 'clinical_note', resourceId: id, action: 'DELETE' } })).toBe(1);
  });

  it('bad input: 400 with field details and nothing written', async () => {
    const c = cons.IN_PROGRESS;
    const before = await noteCount(c);
    const cases: [Record<string, unknown>, string][] = [
      [{ consultationId: c, content: '' }, 'content'],
      [{ consultationId: c, content: '   \n\t ' }, 'content'],
      [{ consultationId: c }, 'content'],
      [{ consultationId: c, content: 42 }, 'content'],
      [{ consultationId: c, content: 'x'.repeat(50_001) }, 'content'],
      [{ consultationId: c, content: 'ok', noteType: 'DIAGNOSIS' }, 'noteType'],
      [{ consultationId: 'not-a-uuid', content: 'ok' }, 'consultationId'],
      [{ content: 'ok' }, 'consultationId'],
      [{ consultationId: c, content: 'ok', practitionerId: colleague.practitionerId }, 'practitionerId'],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect([res.status, res.body.error.code], JSON.stringify(body).slice(0, 80)).toEqual([400, 'VALIDATION_ERROR']);
      expect(res.body.error.details.map((d: { field?: string }) => d.field)).toContain(field);
    }
    expect(await noteCount(c)).toBe(before);

    // the limit itself is accepted (50,000 characters)
    expect((await create({ consultationId: c, content: 'é'.repeat(50_000) })).status).toBe(201);

    const id = (await create({ consultationId: c, content: secret() })).body.note.id;
    const stored = await t.db.clinicalNote.findUniqueOrThrow({ where: { id } });
    for (const [body, field] of [[{ content: '' }, 'content'], [{ content: 'x'.repeat(50_001) }, 'content'], [{ content: 'ok', noteType: 'other' }, 'noteType']] as const) {
      const res = await t.http.put(`/api/clinical-notes/${id}`).set(as(author)).send(body);
      expect([res.status, res.body.error.details[0].field]).toEqual([400, field]);
    }
    expect((await t.db.clinicalNote.findUniqueOrThrow({ where: { id } })).encryptedContent).toBe(stored.encryptedContent);

    for (const path of ['/api/clinical-notes/nope', '/api/clinical-notes/consultation/nope']) {
      const res = await t.http.get(path).set(as(author));
      expect([res.status, res.body.error.code], path).toEqual([400, 'VALIDATION_ERROR']);
    }
  });

  it('a consultation that has not started (or never will): 400 CONSULTATION_NOT_STARTED on consultationId, nothing written', async () => {
    for (const status of ['SCHEDULED', 'CONFIRMED', 'CANCELLED', 'NO_SHOW'] as const) {
      const res = await create({ consultationId: cons[status], content: secret() });
      expect([res.status, res.body.error.code], status).toEqual([400, 'CONSULTATION_NOT_STARTED']);
      expect(res.body.error.details).toEqual([{ field: 'consultationId', message: expect.stringContaining(status) }]);
      expect(await noteCount(cons[status])).toBe(0);
    }
  });

  it('another practitioner’s consultation or note, or an unknown id: 404, and the note is untouched', async () => {
    const text = secret();
    const id = (await create({ consultationId: cons.IN_PROGRESS, content: text })).body.note.id;
    const stored = await t.db.clinicalNote.findUniqueOrThrow({ where: { id } });
    const responses: [string, Awaited<ReturnType<typeof create>>][] = [
      ['colleague creates on the author’s consultation', await create({ consultationId: cons.IN_PROGRESS, content: secret() }, colleague)],
      ['author creates on the colleague’s consultation', await create({ consultationId: cons.colleagues, content: secret() })],
      ['unknown consultation', await create({ consultationId: randomUUID(), content: secret() })],
      ['colleague lists', await t.http.get(`/api/clinical-notes/consultation/${cons.IN_PROGRESS}`).set(as(colleague))],
      ['unknown consultation list', await t.http.get(`/api/clinical-notes/consultation/${randomUUID()}`).set(as(author))],
      ['colleague reads', await t.http.get(`/api/clinical-notes/${id}`).set(as(colleague))],
      ['unknown note', await t.http.get(`/api/clinical-notes/${randomUUID()}`).set(as(author))],
      ['colleague updates', await t.http.put(`/api/clinical-notes/${id}`).set(as(colleague)).send({ content: 'écrasé' })],
      ['colleague deletes', await t.http.delete(`/api/clinical-notes/${id}`).set(as(colleague))],
    ];
    for (const [label, res] of responses) {
      expect([res.status, res.body.error.code], label).toEqual([404, 'NOT_FOUND']);
      expect(JSON.stringify(res.body)).not.toContain(text);
    }
    expect(await noteCount(cons.colleagues)).toBe(0);
    expect(await t.db.clinicalNote.findUniqueOrThrow({ where: { id } })).toEqual(stored);
  });

  it('every other role gets 403 on every route (the consultation’s own employee and all admins); anonymous 401', async () => {
    const id = (await create({ consultationId: cons.IN_PROGRESS, content: secret() })).body.note.id;
    const before = await noteCount(cons.IN_PROGRESS);
    type Headers = Record<string, string>;
    const routes: Record<string, (h: Headers) => ReturnType<typeof create>> = {
      CN1: (h) => t.http.post('/api/clinical-notes').set(h).send({ consultationId: cons.IN_PROGRESS, content: 'x' }),
      CN2: (h) => t.http.get(`/api/clinical-notes/consultation/${cons.IN_PROGRESS}`).set(h),
      X3: (h) => t.http.get(`/api/clinical-notes/${id}`).set(h),
      CN3: (h) => t.http.put(`/api/clinical-notes/${id}`).set(h).send({ content: 'x' }),
      CN4: (h) => t.http.delete(`/api/clinical-notes/${id}`).set(h),
    };
    for (const who of [employee, others.SUPER_ADMIN, others.ADMIN_HUNTZEN, others.ADMIN_RH]) {
      for (const [name, route] of Object.entries(routes)) {
        const res = await route(as(who));
        expect([res.status, res.body.error.code], `${who.role} ${name}`).toEqual([403, 'FORBIDDEN']);
      }
    }
    for (const [name, route] of Object.entries(routes)) expect((await route({})).status, name).toBe(401);
    expect(await noteCount(cons.IN_PROGRESS)).toBe(before);
    expect((await t.db.clinicalNote.findUniqueOrThrow({ where: { id } })).deletedAt).toBeNull();
  });

  it('ciphertext swapped between two notes’ rows does not decrypt: 422 NOTE_INTEGRITY_ERROR, never the other note', async () => {
    const c = await consultation(author, 'COMPLETED');
    const [textA, textB] = [secret(), secret()];
    const a = (await create({ consultationId: c, content: textA })).body.note.id;
    const b = (await create({ consultationId: cons.IN_PROGRESS, content: textB })).body.note.id;
    const swap = async (columns: readonly string[]) => {
      const set = columns.map((col) => `"${col}" = o."${col}"`).join(', ');
      await t.db.$executeRawUnsafe(
        `UPDATE clinical_notes n SET ${set} FROM clinical_notes o WHERE (n.id, o.id) IN (($1::uuid, $2::uuid), ($2::uuid, $1::uuid))`,
        a,
        b,
      );
    };

    for (const columns of [ENVELOPE_COLUMNS, ['encrypted_content', 'iv', 'auth_tag']] as const) {
      await swap(columns);
      for (const [label, res] of [
        ['X3 a', await t.http.get(`/api/clinical-notes/${a}`).set(as(author))],
        ['X3 b', await t.http.get(`/api/clinical-notes/${b}`).set(as(author))],
        ['CN2', await t.http.get(`/api/clinical-notes/consultation/${c}`).set(as(author))],
      ] as const) {
        expect([res.status, res.body.error.code], `${columns.length} columns, ${label}`).toEqual([422, 'NOTE_INTEGRITY_ERROR']);
        expect(JSON.stringify(res.body)).not.toContain(textA);
        expect(JSON.stringify(res.body)).not.toContain(textB);
      }
      await swap(columns); // back in place: both read again
      expect((await t.http.get(`/api/clinical-notes/${a}`).set(as(author))).body.note.content).toBe(textA);
    }
  });

  it('the daily retention job hard-deletes the notes deleted longer ago than the retention (20 years), nothing else', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QUEUE.noteRetention), { strict: false });
    expect(await queue.getJobScheduler(NOTE_RETENTION_JOB)).toMatchObject({ every: 24 * HOUR });

    const c = await consultation(author, 'COMPLETED');
    const yearsAgo = (years: number, days: number) => {
      const d = new Date();
      d.setUTCFullYear(d.getUTCFullYear() - years);
      return new Date(d.getTime() + days * 24 * HOUR);
    };
    const row = (deletedAt: Date | null) => ({
      id: randomUUID(), consultationId: c, practitionerId: author.practitionerId!, deletedAt,
      encryptedContent: 'aa', iv: 'bb', authTag: 'cc', encryptedDek: 'dd', dekIv: 'ee', dekAuthTag: 'ff', keyVersion: 'v2',
    });
    const due = [row(yearsAgo(20, -1)), row(yearsAgo(35, 0))];
    const kept = [row(yearsAgo(20, 1)), row(new Date()), row(null), { ...row(null), createdAt: yearsAgo(30, 0) }];
    await t.db.clinicalNote.createMany({ data: [...due, ...kept] });

    // the processor itself, as the scheduler runs it (no waiting for the daily tick)
    await t.app.get(ClinicalNotesRetentionProcessor).process();
    const left = await t.db.clinicalNote.findMany({ where: { consultationId: c }, select: { id: true } });
    expect(left.map((n) => n.id).sort()).toEqual(kept.map((n) => n.id).sort());
    const audit = await t.db.auditLog.findMany({ where: { resource: 'clinical_note', resourceId: { in: due.map((n) => n.id) } } });
    expect(audit.map((a) => [a.action, a.userId, (a.details as { event: string }).event])).toEqual([
      ['DELETE', 'system', 'CLINICAL_NOTE_PURGED'],
      ['DELETE', 'system', 'CLINICAL_NOTE_PURGED'],
    ]);
  });
});
