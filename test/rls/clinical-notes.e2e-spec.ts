// Clinical notes under RLS, proven at SQL level as huntzen_app (migration 20261129001100_clinical_notes):
// the authoring practitioner only — with a context that is wholly its own — and never HR, admins,
// employees or another practitioner, even with a crafted context; author/consultation columns immutable;
// no hard DELETE; soft deletion hidden from the author and stamped by the database.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { insert, openRlsDb, type Ctx, type RlsDb, type Role, type Row } from '../helpers/rls.js';



let db: RlsDb;
let app: pg.Pool;
let sys: pg.Pool;
const asApp = <T>(c: Ctx | null, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => db.asApp(c, fn);
const tag = randomUUID().slice(0, 8);
const id = () => randomUUID();
const ENVELOPE = { encrypted_content: 'aa', iv: 'bb', auth_tag: 'cc', encrypted_dek: 'dd', dek_iv: 'ee', dek_auth_tag: 'ff', key_version: 'v1' };


const selectIds = async (ctx: Ctx | null, where = 'true', params: unknown[] = []) =>
  (await asApp(ctx, (c) => c.query(`SELECT id FROM clinical_notes WHERE ${where} ORDER BY id`, params))).rows.map((r) => r.id as string);
const affected = (ctx: Ctx | null, sql: string, params: unknown[] = []) => asApp(ctx, async (c) => (await c.query(sql, params)).rowCount);
const sysRow = async (noteId: string) => (await sys.query('SELECT * FROM clinical_notes WHERE id = $1', [noteId])).rows[0] as Row | undefined;

const F = {
  company: id(), userRh: id(), userEmp: id(), userPrac1: id(), userPrac2: id(), userSuper: id(), userHuntzen: id(),
  emp: id(), prac1: id(), prac2: id(),
  consStarted: id(), consDone: id(), consScheduled: id(), consCancelled: id(), consPrac2: id(),
  note1: id(), note2: id(), noteDeleted: id(),
};
const ctx = {} as Record<'rh' | 'emp' | 'prac1' | 'prac2' | 'superAdmin' | 'huntzen', Ctx>;
const day = new Date(Date.UTC(2040 + Math.floor(Math.random() * 40), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 27)));
const at = (hh: number) => new Date(day.getTime() + hh * 3600_000);

function consultation(cid: string, practitionerId: string, hour: number, status: string): Row {
  const started = status === 'IN_PROGRESS' || status === 'COMPLETED';
  return {
    id: cid, company_id: F.company, employee_id: F.emp, practitioner_id: practitionerId,
    scheduled_at: at(hour), scheduled_end_at: at(hour + 0.8), blocked_until: at(hour + 1), format: 'VIDEO', status,
    started_at: started ? at(hour) : null, ended_at: status === 'COMPLETED' ? at(hour + 0.8) : null, updated_at: new Date(),
  };
}
const note = (consultationId: string, practitionerId: string, extra: Row = {}): Row => ({
  id: id(), consultation_id: consultationId, practitioner_id: practitionerId, ...ENVELOPE, updated_at: new Date(), ...extra,
});

beforeAll(async () => {
  db = openRlsDb();
  ({ app, sys } = db);
  const now = new Date();
  await insert(sys, 'companies', { id: F.company, name: 'Notes', slug: `rls-notes-${tag}`, email_domains: [`@notes-${tag}.test`], is_active: true, validated_at: now, updated_at: now });
  const user = (uid: string, role: Role, companyId: string | null) =>
    insert(sys, 'users', { id: uid, email: `${role.toLowerCase()}-${uid.slice(0, 8)}-${tag}@example.test`, password_hash: 'x', role, company_id: companyId, is_active: true, email_verified: true, updated_at: now });
  await user(F.userRh, 'ADMIN_RH', F.company);
  await user(F.userEmp, 'EMPLOYEE', F.company);
  await user(F.userPrac1, 'PRACTITIONER', null);
  await user(F.userPrac2, 'PRACTITIONER', null);
  await user(F.userSuper, 'SUPER_ADMIN', null);
  await user(F.userHuntzen, 'ADMIN_HUNTZEN', null);
  await insert(sys, 'employees', { id: F.emp, user_id: F.userEmp, company_id: F.company, first_name: 'E', last_name: 'N', updated_at: now });
  const practitioner = (pid: string, uid: string) =>
    insert(sys, 'practitioners', { id: pid, user_id: uid, first_name: 'P', last_name: pid.slice(0, 8), title: 'Dr.', specialty: 'PSYCHOLOGUE_CLINICIEN', bio: 'bio', is_validated: true, validated_at: now, updated_at: now });
  await practitioner(F.prac1, F.userPrac1);
  await practitioner(F.prac2, F.userPrac2);
  await insert(sys, 'consultations', consultation(F.consStarted, F.prac1, 8, 'IN_PROGRESS'));
  await insert(sys, 'consultations', consultation(F.consDone, F.prac1, 10, 'COMPLETED'));
  await insert(sys, 'consultations', consultation(F.consScheduled, F.prac1, 12, 'SCHEDULED'));
  await insert(sys, 'consultations', consultation(F.consCancelled, F.prac1, 14, 'CANCELLED'));
  await insert(sys, 'consultations', { ...consultation(F.consPrac2, F.prac2, 16, 'IN_PROGRESS') });
  await insert(sys, 'clinical_notes', note(F.consStarted, F.prac1, { id: F.note1 }));
  await insert(sys, 'clinical_notes', note(F.consPrac2, F.prac2, { id: F.note2 }));
  await insert(sys, 'clinical_notes', note(F.consDone, F.prac1, { id: F.noteDeleted, deleted_at: new Date(Date.now() - 86_400_000) }));

  ctx.rh = { userId: F.userRh, role: 'ADMIN_RH', companyId: F.company };
  ctx.emp = { userId: F.userEmp, role: 'EMPLOYEE', companyId: F.company, employeeId: F.emp };
  ctx.prac1 = { userId: F.userPrac1, role: 'PRACTITIONER', practitionerId: F.prac1 };
  ctx.prac2 = { userId: F.userPrac2, role: 'PRACTITIONER', practitionerId: F.prac2 };
  ctx.superAdmin = { userId: F.userSuper, role: 'SUPER_ADMIN' };
  ctx.huntzen = { userId: F.userHuntzen, role: 'ADMIN_HUNTZEN' };
});

afterAll(async () => {
  await db?.close();
});

const MINE = `id = ANY($1::uuid[])`;
const fixtureIds = () => [[F.note1, F.note2, F.noteDeleted]];

describe('clinical_notes: reading', () => {
  it('the author sees its own live notes only, never the deleted one nor another practitioner’s', async () => {
    expect(await selectIds(ctx.prac1, MINE, fixtureIds())).toEqual([F.note1]);
    expect(await selectIds(ctx.prac2, MINE, fixtureIds())).toEqual([F.note2]);
    expect(await sysRow(F.noteDeleted)).toBeDefined();
  });

  it.each(['rh', 'emp', 'superAdmin', 'huntzen'] as const)('%s selects zero notes', async (who) => {
    expect(await selectIds(ctx[who], MINE, fixtureIds())).toEqual([]);
  });

  it('no context: zero notes', async () => {
    expect(await selectIds(null, MINE, fixtureIds())).toEqual([]);
  });

  it('a crafted context carrying the author’s practitioner id selects nothing unless it is wholly the author’s', async () => {
    const crafted: Ctx[] = [
      { ...ctx.superAdmin, practitionerId: F.prac1 },
      { ...ctx.huntzen, practitionerId: F.prac1 },
      { ...ctx.rh, practitionerId: F.prac1 },
      { ...ctx.emp, practitionerId: F.prac1 },
      { userId: F.userPrac2, role: 'PRACTITIONER', practitionerId: F.prac1 }, // another practitioner's user
      { userId: F.userRh, role: 'PRACTITIONER', practitionerId: F.prac1 }, // HR claiming the practitioner role
      { userId: F.userPrac1, role: 'PRACTITIONER', practitionerId: F.prac2 }, // the author pointing at a colleague
    ];
    for (const c of crafted) {
      expect(await selectIds(c, MINE, fixtureIds()), JSON.stringify(c)).toEqual([]);
      expect(await affected(c, `UPDATE clinical_notes SET note_type = 'REFERRAL' WHERE ${MINE}`, fixtureIds()), JSON.stringify(c)).toBe(0);
    }
  });
});

describe('clinical_notes: writing', () => {
  it('the author writes on its own started or completed consultation', async () => {
    for (const cons of [F.consStarted, F.consDone]) {
      const n = note(cons, F.prac1);
      await asApp(ctx.prac1, (c) => insert(c, 'clinical_notes', n));
      expect(await selectIds(ctx.prac1, 'id = $1', [n.id])).toEqual([n.id]);
    }
  });

  it('refuses (42501) a consultation not started, another practitioner’s, a forged author, a pre-deleted note, a crafted context', async () => {
    const attempts: [Ctx, Row][] = [
      [ctx.prac1, note(F.consScheduled, F.prac1)],
      [ctx.prac1, note(F.consCancelled, F.prac1)],
      [ctx.prac1, note(F.consPrac2, F.prac1)],
      [ctx.prac1, note(F.consPrac2, F.prac2)],
      [ctx.prac1, note(F.consStarted, F.prac2)],
      [ctx.prac1, note(F.consStarted, F.prac1, { deleted_at: new Date('1990-01-01') })],
      [{ ...ctx.huntzen, practitionerId: F.prac1 }, note(F.consStarted, F.prac1)],
      [{ ...ctx.emp, practitionerId: F.prac1 }, note(F.consStarted, F.prac1)],
      [{ userId: F.userPrac2, role: 'PRACTITIONER', practitionerId: F.prac1 }, note(F.consStarted, F.prac1)],
    ];
    for (const [c, row] of attempts) {
      await expect(asApp(c, (cl) => insert(cl, 'clinical_notes', row)), JSON.stringify({ c, row: row.consultation_id })).rejects.toMatchObject({ code: '42501' });
      expect(await sysRow(row.id as string)).toBeUndefined();
    }
  });

  it('another practitioner, HR, admins and employees update nothing', async () => {
    for (const who of ['prac2', 'rh', 'emp', 'superAdmin', 'huntzen'] as const) {
      expect(await affected(ctx[who], `UPDATE clinical_notes SET encrypted_content = 'ff' WHERE id = $1`, [F.note1]), who).toBe(0);
    }
    expect((await sysRow(F.note1))!.encrypted_content).toBe('aa');
  });

  it('author, consultation and creation date are immutable, for the system role too (23514)', async () => {
    const attempts: [Ctx | null, string, unknown[]][] = [
      [ctx.prac1, 'UPDATE clinical_notes SET consultation_id = $2 WHERE id = $1', [F.note1, F.consDone]],
      [ctx.prac1, 'UPDATE clinical_notes SET practitioner_id = $2 WHERE id = $1', [F.note1, F.prac2]],
      [ctx.prac1, `UPDATE clinical_notes SET created_at = created_at - interval '1 day' WHERE id = $1`, [F.note1]],
    ];
    for (const [c, sql, params] of attempts) await expect(affected(c, sql, params), sql).rejects.toMatchObject({ code: '23514' });
    await expect(sys.query('UPDATE clinical_notes SET consultation_id = $2 WHERE id = $1', [F.note2, F.consStarted])).rejects.toMatchObject({ code: '23514' });
    expect(await sysRow(F.note1)).toMatchObject({ consultation_id: F.consStarted, practitioner_id: F.prac1 });
  });

  it('no hard DELETE for the api role, not even by the author (42501); the system role may (retention purge)', async () => {
    await expect(affected(ctx.prac1, 'DELETE FROM clinical_notes WHERE id = $1', [F.note1])).rejects.toMatchObject({ code: '42501' });
    await expect(affected({ ...ctx.superAdmin }, 'DELETE FROM clinical_notes WHERE id = $1', [F.note1])).rejects.toMatchObject({ code: '42501' });
    expect(await sysRow(F.note1)).toBeDefined();
    const purgeable = note(F.consDone, F.prac1, { deleted_at: new Date('2000-01-01') });
    await insert(sys, 'clinical_notes', purgeable);
    expect((await sys.query('DELETE FROM clinical_notes WHERE id = $1', [purgeable.id])).rowCount).toBe(1);
  });
});

describe('clinical_notes: soft delete', () => {
  it('stamps deleted_at with the database clock (no back-dating), then hides the note and freezes it', async () => {
    const n = note(F.consStarted, F.prac1);
    await asApp(ctx.prac1, (c) => insert(c, 'clinical_notes', n));
    // a back-dated deletion would let the purge destroy the note before its legal period
    expect(await affected(ctx.prac1, `UPDATE clinical_notes SET deleted_at = '1990-01-01' WHERE id = $1`, [n.id])).toBe(1);
    const deletedAt = (await sysRow(n.id as string))!.deleted_at as Date;
    expect(Math.abs(deletedAt.getTime() - Date.now())).toBeLessThan(60_000);

    expect(await selectIds(ctx.prac1, 'id = $1', [n.id])).toEqual([]);
    // neither undeleted nor edited by its author
    expect(await affected(ctx.prac1, 'UPDATE clinical_notes SET deleted_at = NULL WHERE id = $1', [n.id])).toBe(0);
    expect(await affected(ctx.prac1, `UPDATE clinical_notes SET encrypted_content = 'ff' WHERE id = $1`, [n.id])).toBe(0);
    // nor undeleted or moved by anyone else
    await expect(sys.query('UPDATE clinical_notes SET deleted_at = NULL WHERE id = $1', [n.id])).rejects.toMatchObject({ code: '23514' });
    await expect(sys.query(`UPDATE clinical_notes SET deleted_at = '1990-01-01' WHERE id = $1`, [n.id])).rejects.toMatchObject({ code: '23514' });
    expect((await sysRow(n.id as string))!.deleted_at).toEqual(deletedAt);
  });
});
