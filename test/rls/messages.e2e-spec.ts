// Chat messages at SQL level as huntzen_app (migration 20261129002100_chat): the participant rule binds the
// whole context (role, profile and user), closed consultations take no message, inserts carry no stamps and
// get the database clock, a deletion is final, a read receipt cannot be withdrawn, and there is no hard DELETE.
import { randomUUID } from 'node:crypto';
import { Ctx, insert, openRlsDb, RlsDb, Role, Row } from '../helpers/rls.js';

const id = () => randomUUID();
const tag = id().slice(0, 8);
const DENIED = { code: '42501' };
const ENVELOPE = { encrypted_content: 'aa', iv: 'bb', auth_tag: 'cc', encrypted_dek: 'dd', dek_iv: 'ee', dek_auth_tag: 'ff', key_version: 'v1' };

let db: RlsDb;
const F = { company: id(), userEmp: id(), userEmp2: id(), userPrac: id(), userRh: id(), userHz: id(), emp: id(), emp2: id(), prac: id() };
const ctx = {} as Record<'emp' | 'emp2' | 'prac' | 'rhWithEmp' | 'hzWithPrac' | 'empForeignProfile', Ctx>;
const day = new Date(Date.UTC(2040 + Math.floor(Math.random() * 40), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 27)));
let hour = 0;

async function consultation(extra: Row = {}): Promise<string> {
  const h = hour++;
  const start = new Date(day.getTime() + h * 3_600_000);
  const end = new Date(start.getTime() + 50 * 60_000);
  return insert(db.sys, 'consultations', { id: id(), company_id: F.company, employee_id: F.emp, practitioner_id: F.prac, scheduled_at: start, scheduled_end_at: end, blocked_until: end, format: 'VIDEO', updated_at: new Date(), ...extra });
}
const message = (cid: string, extra: Row = {}) => ({ id: id(), consultation_id: cid, sender_id: F.userEmp, sender_role: 'EMPLOYEE', ...ENVELOPE, ...extra });
const count = (c: Ctx, where = 'true', params: unknown[] = []) => db.asApp(c, async (cl) => (await cl.query(`SELECT count(*)::int AS n FROM messages WHERE ${where}`, params)).rows[0].n as number);

beforeAll(async () => {
  db = openRlsDb();
  const now = new Date();
  await insert(db.sys, 'companies', { id: F.company, name: 'Chat RLS', slug: `chat-rls-${tag}`, email_domains: [`@chat-rls-${tag}.test`], is_active: true, validated_at: now, updated_at: now });
  const user = (uid: string, role: Role, companyId: string | null) =>
    insert(db.sys, 'users', { id: uid, email: `${role.toLowerCase()}-${uid.slice(0, 8)}-${tag}@example.test`, password_hash: 'x', role, company_id: companyId, is_active: true, email_verified: true, updated_at: now });
  await user(F.userEmp, 'EMPLOYEE', F.company);
  await user(F.userEmp2, 'EMPLOYEE', F.company);
  await user(F.userPrac, 'PRACTITIONER', null);
  await user(F.userRh, 'ADMIN_RH', F.company);
  await user(F.userHz, 'ADMIN_HUNTZEN', null);
  await insert(db.sys, 'employees', { id: F.emp, user_id: F.userEmp, company_id: F.company, first_name: 'E', last_name: 'One', updated_at: now });
  await insert(db.sys, 'employees', { id: F.emp2, user_id: F.userEmp2, company_id: F.company, first_name: 'E', last_name: 'Two', updated_at: now });
  await insert(db.sys, 'practitioners', { id: F.prac, user_id: F.userPrac, first_name: 'P', last_name: 'One', title: 'Dr.', specialty: 'PSYCHOLOGUE_CLINICIEN', bio: 'bio', is_validated: true, validated_at: now, updated_at: now });
  ctx.emp = { userId: F.userEmp, role: 'EMPLOYEE', companyId: F.company, employeeId: F.emp };
  ctx.emp2 = { userId: F.userEmp2, role: 'EMPLOYEE', companyId: F.company, employeeId: F.emp2 };
  ctx.prac = { userId: F.userPrac, role: 'PRACTITIONER', practitionerId: F.prac };
  // contexts that carry a participant's profile id without being that participant
  ctx.rhWithEmp = { userId: F.userRh, role: 'ADMIN_RH', companyId: F.company, employeeId: F.emp };
  ctx.hzWithPrac = { userId: F.userHz, role: 'ADMIN_HUNTZEN', practitionerId: F.prac };
  ctx.empForeignProfile = { userId: F.userEmp2, role: 'EMPLOYEE', companyId: F.company, employeeId: F.emp };
});
afterAll(() => db?.close());

describe('messages RLS and write guard (chat migration)', () => {
  it('a context carrying a participant’s profile id but another role or user reads and writes nothing', async () => {
    const cid = await consultation();
    await insert(db.sys, 'messages', message(cid));
    expect(await count(ctx.emp, 'consultation_id = $1', [cid])).toBe(1);
    expect(await count(ctx.prac, 'consultation_id = $1', [cid])).toBe(1);
    for (const who of [ctx.rhWithEmp, ctx.hzWithPrac, ctx.empForeignProfile, ctx.emp2]) {
      expect(await count(who, 'consultation_id = $1', [cid])).toBe(0);
      await expect(db.asApp(who, (c) => insert(c, 'messages', message(cid, { sender_id: who.userId, sender_role: who.role })))).rejects.toMatchObject(DENIED);
      expect(await db.affected(who, 'UPDATE messages SET is_read = true, read_at = now() WHERE consultation_id = $1', [cid])).toBe(0);
    }
    expect(await count(ctx.emp, 'consultation_id = $1', [cid])).toBe(1);
  });

  it.each(['CANCELLED', 'NO_SHOW'])('a %s consultation takes no new message (read-only)', async (status) => {
    const cid = await consultation({ status });
    await expect(db.asApp(ctx.emp, (c) => insert(c, 'messages', message(cid)))).rejects.toMatchObject(DENIED);
    await expect(db.asApp(ctx.prac, (c) => insert(c, 'messages', message(cid, { sender_id: F.userPrac, sender_role: 'PRACTITIONER' })))).rejects.toMatchObject(DENIED);
    expect((await db.sysRow('SELECT count(*)::int AS n FROM messages WHERE consultation_id = $1', [cid]))!.n).toBe(0);
  });

  it('an insert carries no edit, deletion or read stamps and gets the database clock', async () => {
    const cid = await consultation();
    for (const extra of [{ edited_at: new Date() }, { deleted_at: new Date() }, { read_at: new Date() }, { is_deleted: true }]) {
      await expect(db.asApp(ctx.emp, (c) => insert(c, 'messages', message(cid, extra)))).rejects.toMatchObject(DENIED);
    }
    const backdated = message(cid, { created_at: new Date('2020-01-01T00:00:00Z') });
    await db.asApp(ctx.emp, (c) => insert(c, 'messages', backdated));
    const row = await db.sysRow('SELECT created_at FROM messages WHERE id = $1', [backdated.id]);
    expect(Math.abs(Date.now() - (row!.created_at as Date).getTime())).toBeLessThan(60_000);
  });

  it('a deleted message is final: no undelete, no edit by its sender', async () => {
    const cid = await consultation();
    const m = message(cid);
    await insert(db.sys, 'messages', m);
    expect(await db.affected(ctx.emp, 'UPDATE messages SET is_deleted = true, deleted_at = now() WHERE id = $1', [m.id])).toBe(1);
    await expect(db.affected(ctx.emp, 'UPDATE messages SET is_deleted = false, deleted_at = NULL WHERE id = $1', [m.id])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.emp, `UPDATE messages SET encrypted_content = 'new', is_edited = true, edited_at = now() WHERE id = $1`, [m.id])).rejects.toMatchObject(DENIED);
    // the recipient may still mark it read
    expect(await db.affected(ctx.prac, 'UPDATE messages SET is_read = true, read_at = now() WHERE id = $1', [m.id])).toBe(1);
  });

  it('a read receipt is set once with its time and cannot be withdrawn', async () => {
    const cid = await consultation();
    const m = message(cid);
    await insert(db.sys, 'messages', m);
    await expect(db.affected(ctx.prac, 'UPDATE messages SET is_read = true WHERE id = $1', [m.id])).rejects.toMatchObject(DENIED);
    expect(await db.affected(ctx.prac, 'UPDATE messages SET is_read = true, read_at = now() WHERE id = $1', [m.id])).toBe(1);
    await expect(db.affected(ctx.prac, 'UPDATE messages SET is_read = false, read_at = NULL WHERE id = $1', [m.id])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.prac, `UPDATE messages SET read_at = now() - interval '1 day' WHERE id = $1`, [m.id])).rejects.toMatchObject(DENIED);
  });

  it('no hard DELETE for the api role', async () => {
    const cid = await consultation();
    const m = message(cid);
    await insert(db.sys, 'messages', m);
    await expect(db.affected(ctx.emp, 'DELETE FROM messages WHERE id = $1', [m.id])).rejects.toMatchObject(DENIED);
    expect((await db.sysRow('SELECT count(*)::int AS n FROM messages WHERE id = $1', [m.id]))!.n).toBe(1);
  });
});

// Migration 20261130000200_chat_one_round_trip: the hot path's one-statement insert (TenantSql) and the
// context function every api path uses. Called in autocommit exactly as TenantSql calls it.
describe('chat_post_message and app_set_caller (one round trip, same rules)', () => {
  const contextOf = (c: Ctx) => [c.userId, c.role, c.companyId ?? '', c.employeeId ?? '', c.practitionerId ?? ''];
  const post = (c: Ctx, m: Row, client: { query: (text: string, values: unknown[]) => Promise<{ rows: Row[] }> } = db.app) =>
    client
      .query(
        `SELECT chat_post_message($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) AS created_at`,
        [...contextOf(c), m.id, m.consultation_id, m.sender_id, m.sender_role, m.encrypted_content, m.iv, m.auth_tag, m.encrypted_dek, m.dek_iv, m.dek_auth_tag, m.key_version, 'TEXT', null, null, null, null],
      )
      .then((r) => r.rows[0].created_at as Date);

  it('inserts as the caller under RLS, stamped by the database, and leaves no context on the connection', async () => {
    const cid = await consultation();
    const client = await db.app.connect();
    try {
      const m = message(cid);
      const created = await post(ctx.emp, m, client);
      expect(Math.abs(Date.now() - created.getTime())).toBeLessThan(60_000);
      const row = await db.sysRow('SELECT sender_id, created_at FROM messages WHERE id = $1', [m.id]);
      expect(row).toMatchObject({ sender_id: F.userEmp, created_at: created });
      // the context was the statement's own transaction's: nothing left for the next user of the connection
      const after = (await client.query(`SELECT current_setting('app.user_id', true) AS u, current_setting('app.role', true) AS r, current_setting('app.employee_id', true) AS e`)).rows[0];
      for (const v of Object.values(after)) expect([null, '']).toContain(v);
      // and the connection's next statement as nobody reads no message
      expect((await client.query('SELECT count(*)::int AS n FROM messages WHERE consultation_id = $1', [cid])).rows[0].n).toBe(0);
      await post(ctx.prac, message(cid, { sender_id: F.userPrac, sender_role: 'PRACTITIONER' }), client);
    } finally {
      client.release();
    }
    expect((await db.sysRow('SELECT count(*)::int AS n FROM messages WHERE consultation_id = $1', [cid]))!.n).toBe(2);
  });

  it('refuses what a plain INSERT refuses: other contexts, another sender, a closed consultation, stamps', async () => {
    const cid = await consultation();
    for (const who of [ctx.rhWithEmp, ctx.hzWithPrac, ctx.empForeignProfile, ctx.emp2]) {
      await expect(post(who, message(cid, { sender_id: who.userId, sender_role: who.role }))).rejects.toMatchObject(DENIED);
    }
    await expect(post(ctx.emp, message(cid, { sender_id: F.userEmp2 }))).rejects.toMatchObject(DENIED); // not the caller
    await expect(post(ctx.emp, message(cid, { sender_role: 'PRACTITIONER' }))).rejects.toMatchObject(DENIED); // not the caller's role
    for (const status of ['CANCELLED', 'NO_SHOW']) await expect(post(ctx.emp, message(await consultation({ status })))).rejects.toMatchObject(DENIED);
    // without a context (empty values), nobody
    await expect(post({ userId: '', role: '' as Role }, message(cid))).rejects.toMatchObject({ code: expect.stringMatching(/^(42501|22P02)$/) });
    expect((await db.sysRow('SELECT count(*)::int AS n FROM messages WHERE consultation_id = $1', [cid]))!.n).toBe(0);
  });

  it('app_set_caller is transaction-local; neither function is callable by the system role', async () => {
    const client = await db.app.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT app_set_caller($1, $2, $3, $4, $5)', contextOf(ctx.emp));
      expect((await client.query(`SELECT current_setting('app.user_id', true) AS u`)).rows[0].u).toBe(F.userEmp);
      await client.query('COMMIT');
      expect(['', null]).toContain((await client.query(`SELECT current_setting('app.user_id', true) AS u`)).rows[0].u);
    } finally {
      client.release();
    }
    await expect(db.sys.query('SELECT app_set_caller($1, $2, $3, $4, $5)', contextOf(ctx.emp))).rejects.toMatchObject(DENIED);
    await expect(post(ctx.emp, message(await consultation()), db.sys)).rejects.toMatchObject(DENIED);
  });
});

// Migration 20261130000500_consultation_participant: AccessService's participant check in one prepared call
// (the chat room's re-check), called in autocommit exactly as TenantSql calls it.
describe('consultation_participant (the participant check in one round trip, same rule)', () => {
  const contextOf = (c: Ctx) => [c.userId, c.role, c.companyId ?? '', c.employeeId ?? '', c.practitionerId ?? ''];
  const check = (c: Ctx, cid: string, client: { query: (text: string, values: unknown[]) => Promise<{ rows: Row[] }> } = db.app) =>
    client.query('SELECT consultation_participant($1, $2, $3, $4, $5, $6) AS result', [...contextOf(c), cid]).then((r) => r.rows[0].result as Row | null);

  it('answers the two participants with the consultation and both profiles, and leaves no context behind', async () => {
    const h = hour;
    const cid = await consultation({ status: 'COMPLETED', started_at: new Date(day.getTime() + h * 3_600_000), ended_at: new Date(day.getTime() + h * 3_600_000 + 45 * 60_000) });
    const client = await db.app.connect();
    try {
      for (const who of [ctx.emp, ctx.prac]) {
        const found = await check(who, cid, client);
        expect(found).toMatchObject({
          id: cid,
          status: 'COMPLETED',
          format: 'VIDEO',
          employeeId: F.emp,
          practitionerId: F.prac,
          employee: { userId: F.userEmp, id: F.emp, firstName: 'E', lastName: 'One', avatarUrl: null },
          practitioner: { userId: F.userPrac, id: F.prac, firstName: 'P', lastName: 'One', avatarUrl: null },
        });
        // instants with their offset: the same instants as the columns
        expect(new Date(found!.startedAt as string).getTime()).toBe(day.getTime() + h * 3_600_000);
        expect(new Date(found!.endedAt as string).getTime()).toBe(day.getTime() + h * 3_600_000 + 45 * 60_000);
        expect(new Date(found!.scheduledAt as string).getTime()).toBe(day.getTime() + h * 3_600_000);
        const after = (await client.query(`SELECT current_setting('app.user_id', true) AS u, current_setting('app.role', true) AS r`, [])).rows[0];
        for (const v of Object.values(after)) expect([null, '']).toContain(v);
      }
    } finally {
      client.release();
    }
  });

  it('answers NULL to anyone else: another employee, a context borrowing a participant’s profile id, an unknown id, no caller', async () => {
    const cid = await consultation();
    for (const who of [ctx.emp2, ctx.rhWithEmp, ctx.hzWithPrac, ctx.empForeignProfile]) expect(await check(who, cid)).toBeNull();
    expect(await check(ctx.emp, id())).toBeNull();
    expect(await check({ userId: '', role: '' as Role }, cid)).toBeNull();
    // a cancelled consultation is still answered (read-only history), the service decides what may be written
    expect(await check(ctx.emp, await consultation({ status: 'CANCELLED' }))).toMatchObject({ status: 'CANCELLED' });
  });

  it('is not callable by the system role', async () => {
    await expect(check(ctx.emp, await consultation(), db.sys)).rejects.toMatchObject(DENIED);
  });
});
