// Write guards proven at SQL level as huntzen_app (issue 10 items 1-3, ARCHITECTURE §4): what RLS lets a
// caller reach, the triggers of migration 20261129000100_write_guards still refuse column by column.
// Fixtures are written by the system role; each assertion runs as the app role with an app context.
import { randomUUID } from 'node:crypto';
import { Ctx, insert, openRlsDb, RlsDb, Role, Row } from '../helpers/rls.js';

const id = () => randomUUID();
const tag = id().slice(0, 8);
const DENIED = { code: '42501' };
const ENVELOPE = { encrypted_content: 'aa', iv: 'bb', auth_tag: 'cc', encrypted_dek: 'dd', dek_iv: 'ee', dek_auth_tag: 'ff', key_version: 'v1' };

let db: RlsDb;
const F = {
  companyA: id(),
  userRhA: id(), userEmpA1: id(), userEmpA2: id(), userPrac1: id(), userPrac2: id(), userHuntzen: id(), userSuper: id(),
  empA1: id(), empA2: id(), prac1: id(), prac2: id(),
};
const ctx = {} as Record<'rhA' | 'empA1' | 'empA2' | 'prac1' | 'prac2' | 'huntzen' | 'superAdmin', Ctx>;

// A far-future day per run (bookings must be in the future), so fixtures never collide with other suites.
const day = new Date(Date.UTC(2040 + Math.floor(Math.random() * 40), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 27)));
const at = (hh: number, mm = 0, dayOffset = 0) => new Date(day.getTime() + dayOffset * 86_400_000 + (hh * 60 + mm) * 60_000);
let nextHour = 0;

/** A consultation of employee A1 with practitioner 1 in its own hour of the fixture day, written by the system role. */
async function consultation(extra: Row = {}): Promise<string> {
  const h = nextHour++;
  return insert(db.sys, 'consultations', {
    id: id(), company_id: F.companyA, employee_id: F.empA1, practitioner_id: F.prac1,
    scheduled_at: at(h), scheduled_end_at: at(h, 50), blocked_until: at(h, 50), format: 'VIDEO', updated_at: new Date(), ...extra,
  });
}
const consultationRow = async (cid: string) => (await db.sysRow('SELECT * FROM consultations WHERE id = $1', [cid]))!;
const secondsAgo = (d: unknown) => (Date.now() - (d as Date).getTime()) / 1000;

beforeAll(async () => {
  db = openRlsDb();
  const now = new Date();
  await insert(db.sys, 'companies', { id: F.companyA, name: 'Guards', slug: `guards-${tag}`, email_domains: [`@guards-${tag}.test`], is_active: true, validated_at: now, updated_at: now });
  const user = (uid: string, role: Role, companyId: string | null) =>
    insert(db.sys, 'users', { id: uid, email: `${role.toLowerCase()}-${uid.slice(0, 8)}-${tag}@example.test`, password_hash: 'original', role, company_id: companyId, is_active: true, email_verified: true, updated_at: now });
  await user(F.userRhA, 'ADMIN_RH', F.companyA);
  await user(F.userEmpA1, 'EMPLOYEE', F.companyA);
  await user(F.userEmpA2, 'EMPLOYEE', F.companyA);
  await user(F.userPrac1, 'PRACTITIONER', null);
  await user(F.userPrac2, 'PRACTITIONER', null);
  await user(F.userHuntzen, 'ADMIN_HUNTZEN', null);
  await user(F.userSuper, 'SUPER_ADMIN', null);
  for (const [eid, uid] of [[F.empA1, F.userEmpA1], [F.empA2, F.userEmpA2]]) {
    await insert(db.sys, 'employees', { id: eid, user_id: uid, company_id: F.companyA, first_name: 'E', last_name: eid.slice(0, 8), updated_at: now });
  }
  for (const [pid, uid] of [[F.prac1, F.userPrac1], [F.prac2, F.userPrac2]]) {
    await insert(db.sys, 'practitioners', { id: pid, user_id: uid, first_name: 'P', last_name: pid.slice(0, 8), title: 'Dr.', specialty: 'PSYCHOLOGUE_CLINICIEN', bio: 'bio', is_validated: true, validated_at: now, updated_at: now });
  }
  ctx.rhA = { userId: F.userRhA, role: 'ADMIN_RH', companyId: F.companyA };
  ctx.empA1 = { userId: F.userEmpA1, role: 'EMPLOYEE', companyId: F.companyA, employeeId: F.empA1 };
  ctx.empA2 = { userId: F.userEmpA2, role: 'EMPLOYEE', companyId: F.companyA, employeeId: F.empA2 };
  ctx.prac1 = { userId: F.userPrac1, role: 'PRACTITIONER', practitionerId: F.prac1 };
  ctx.prac2 = { userId: F.userPrac2, role: 'PRACTITIONER', practitionerId: F.prac2 };
  ctx.huntzen = { userId: F.userHuntzen, role: 'ADMIN_HUNTZEN' };
  ctx.superAdmin = { userId: F.userSuper, role: 'SUPER_ADMIN' };
});

afterAll(() => db?.close());

// ───────────────────────────── 1. users ─────────────────────────────
describe('users: credential and security columns', () => {
  const CREDENTIALS = [
    `password_hash = 'pwned'`,
    'password_changed_at = now()',
    'two_factor_enabled = true',
    `two_factor_secret = 'attacker-secret'`,
    `email = 'attacker-${tag}@example.test'`,
    'email_verified = NOT email_verified',
    'email_verified_at = now()',
    'last_login_at = now()',
  ];

  it.each(CREDENTIALS)('ADMIN_RH cannot set %s on an employee of its company', async (set) => {
    await expect(db.affected(ctx.rhA, `UPDATE users SET ${set} WHERE id = $1`, [F.userEmpA1])).rejects.toMatchObject(DENIED);
  });

  it.each(CREDENTIALS)('ADMIN_HUNTZEN cannot set %s on a practitioner or an HR admin', async (set) => {
    for (const target of [F.userPrac1, F.userRhA]) {
      await expect(db.affected(ctx.huntzen, `UPDATE users SET ${set} WHERE id = $1`, [target])).rejects.toMatchObject(DENIED);
    }
  });

  it('SUPER_ADMIN cannot take over an account either, nor move it to another role or company', async () => {
    for (const set of [`password_hash = 'pwned'`, `two_factor_secret = 'x'`, `role = 'ADMIN_RH'`, 'company_id = NULL']) {
      await expect(db.affected(ctx.superAdmin, `UPDATE users SET ${set} WHERE id = $1`, [F.userEmpA2]), set).rejects.toMatchObject(DENIED);
    }
    expect(await db.sysRow('SELECT password_hash, role FROM users WHERE id = $1', [F.userEmpA2])).toEqual({ password_hash: 'original', role: 'EMPLOYEE' });
  });

  it('HR and platform admins still (de)activate the accounts they manage', async () => {
    expect(await db.affected(ctx.rhA, 'UPDATE users SET is_active = false WHERE id = $1', [F.userEmpA2])).toBe(1);
    expect(await db.affected(ctx.rhA, 'UPDATE users SET is_active = true WHERE id = $1', [F.userEmpA2])).toBe(1);
    expect(await db.affected(ctx.huntzen, 'UPDATE users SET is_active = true WHERE id = $1', [F.userPrac2])).toBe(1);
  });

  it('a user changes its own password, 2FA and last login; the system role changes anything', async () => {
    const own = `UPDATE users SET password_hash = 'mine', password_changed_at = now(), two_factor_secret = 's', two_factor_enabled = true, last_login_at = now() WHERE id = $1`;
    expect(await db.affected(ctx.empA1, own, [F.userEmpA1])).toBe(1);
    expect(await db.affected(ctx.prac1, own, [F.userPrac1])).toBe(1);
    await db.sys.query(`UPDATE users SET password_hash = 'reset', email = $2, email_verified = true WHERE id = $1`, [F.userEmpA1, `moved-${tag}@example.test`]);
    expect(await db.sysRow('SELECT password_hash, email FROM users WHERE id = $1', [F.userEmpA1])).toEqual({ password_hash: 'reset', email: `moved-${tag}@example.test` });
  });

  it('2FA backup codes and refresh tokens stay owner-only', async () => {
    await insert(db.sys, 'two_factor_backup_codes', { id: id(), user_id: F.userEmpA1, code_hash: id() });
    await insert(db.sys, 'refresh_tokens', { id: id(), token_hash: id(), user_id: F.userEmpA1, family_id: id(), expires_at: at(0, 0, 30) });
    for (const table of ['two_factor_backup_codes', 'refresh_tokens']) {
      for (const who of [ctx.rhA, ctx.superAdmin, ctx.empA2]) {
        expect(await db.asApp(who, async (c) => (await c.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [F.userEmpA1])).rows[0].n)).toBe(0);
        expect(await db.affected(who, `DELETE FROM ${table} WHERE user_id = $1`, [F.userEmpA1])).toBe(0);
      }
      expect(await db.asApp(ctx.empA1, async (c) => (await c.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [F.userEmpA1])).rows[0].n)).toBe(1);
    }
    await expect(db.asApp(ctx.rhA, (c) => insert(c, 'two_factor_backup_codes', { id: id(), user_id: F.userEmpA1, code_hash: id() }))).rejects.toMatchObject(DENIED);
  });
});

// ───────────────────────────── 2. consultations ─────────────────────────────
describe('consultations: the state machine per role', () => {
  it('an employee cannot complete its own consultation nor forge its times (the counters)', async () => {
    const cid = await consultation();
    await expect(
      db.affected(ctx.empA1, `UPDATE consultations SET status = 'COMPLETED', started_at = $2, ended_at = $3 WHERE id = $1`, [cid, at(0), at(5)]),
    ).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.empA1, `UPDATE consultations SET status = 'IN_PROGRESS', started_at = now() WHERE id = $1`, [cid])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.empA1, `UPDATE consultations SET status = 'CONFIRMED' WHERE id = $1`, [cid])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.empA1, `UPDATE consultations SET status = 'NO_SHOW', no_show_by = 'practitioner' WHERE id = $1`, [cid])).rejects.toMatchObject(DENIED);
    expect(await consultationRow(cid)).toMatchObject({ status: 'SCHEDULED', started_at: null, ended_at: null });
  });

  it('an employee touches neither billing nor the practitioner’s fields nor the outcome', async () => {
    const cid = await consultation();
    for (const set of [`billing_status = 'VALIDATED'`, 'is_billable = false', 'billed_at = now()', `notes = 'x'`, `room_password = 'x'`, `room_name = 'x'`, 'duration = 5', `format = 'AUDIO'`, 'ended_at = now()']) {
      await expect(db.affected(ctx.empA1, `UPDATE consultations SET ${set} WHERE id = $1`, [cid]), set).rejects.toMatchObject(DENIED);
    }
  });

  it('a practitioner completes through the state machine, at server time, and validates billing only then', async () => {
    const cid = await consultation();
    const forged = at(0, 0, -400);
    expect(await db.affected(ctx.prac1, `UPDATE consultations SET status = 'CONFIRMED' WHERE id = $1`, [cid])).toBe(1);
    await expect(db.affected(ctx.prac1, `UPDATE consultations SET billing_status = 'VALIDATED' WHERE id = $1`, [cid])).rejects.toMatchObject(DENIED);
    expect(await db.affected(ctx.prac1, `UPDATE consultations SET status = 'IN_PROGRESS', started_at = $2 WHERE id = $1`, [cid, forged])).toBe(1);
    const started = await consultationRow(cid);
    expect(Math.abs(secondsAgo(started.started_at))).toBeLessThan(60); // now(), not the forged date
    await expect(db.affected(ctx.prac1, 'UPDATE consultations SET started_at = $2 WHERE id = $1', [cid, forged])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.prac1, `UPDATE consultations SET status = 'COMPLETED', billing_status = 'BILLED' WHERE id = $1`, [cid])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.prac1, `UPDATE consultations SET status = 'COMPLETED', is_billable = false WHERE id = $1`, [cid])).rejects.toMatchObject(DENIED);
    expect(
      await db.affected(ctx.prac1, `UPDATE consultations SET status = 'COMPLETED', ended_at = $2, billing_status = 'VALIDATED', notes = 'quick note' WHERE id = $1`, [cid, at(23, 0, 400)]),
    ).toBe(1);
    const done = await consultationRow(cid);
    expect(done).toMatchObject({ status: 'COMPLETED', billing_status: 'VALIDATED', notes: 'quick note' });
    expect(Math.abs(secondsAgo(done.ended_at))).toBeLessThan(60);
    expect(done.actual_duration_seconds).toBeLessThan(60); // derived from the server times
    // terminal
    for (const status of ['IN_PROGRESS', 'CANCELLED', 'SCHEDULED']) {
      await expect(db.affected(ctx.prac1, `UPDATE consultations SET status = '${status}' WHERE id = $1`, [cid]), status).rejects.toMatchObject(DENIED);
    }
  });

  it('an employee cancels its own consultation: time and canceller are the server’s', async () => {
    const cid = await consultation({ status: 'CONFIRMED' });
    expect(await db.affected(ctx.empA2, `UPDATE consultations SET status = 'CANCELLED' WHERE id = $1`, [cid])).toBe(0); // not its own
    expect(
      await db.affected(ctx.empA1, `UPDATE consultations SET status = 'CANCELLED', cancelled_at = $2, cancelled_by = $3, cancel_reason = 'r', cancelled_within24h = false WHERE id = $1`, [cid, at(0, 0, -400), F.userPrac1]),
    ).toBe(1);
    const row = await consultationRow(cid);
    expect(row).toMatchObject({ status: 'CANCELLED', cancelled_by: F.userEmpA1, cancel_reason: 'r', cancelled_within24h: false });
    expect(Math.abs(secondsAgo(row.cancelled_at))).toBeLessThan(60);
  });

  it('rescheduling: to a future time of the same duration, by either participant; back to SCHEDULED', async () => {
    const cid = await consultation({ status: 'CONFIRMED' });
    const h = nextHour++;
    const PAST = new Date('2020-01-06T09:00:00Z');
    await expect(
      db.affected(ctx.empA1, 'UPDATE consultations SET scheduled_at = $2, scheduled_end_at = $3, blocked_until = $3 WHERE id = $1', [cid, PAST, new Date(PAST.getTime() + 50 * 60_000)]),
    ).rejects.toMatchObject(DENIED); // keeps CONFIRMED: not a step
    await expect(
      db.affected(ctx.empA1, `UPDATE consultations SET status = 'SCHEDULED', scheduled_at = $2, scheduled_end_at = $3, blocked_until = $3 WHERE id = $1`, [cid, PAST, new Date(PAST.getTime() + 50 * 60_000)]),
    ).rejects.toMatchObject(DENIED); // in the past
    await expect(
      db.affected(ctx.empA1, `UPDATE consultations SET status = 'SCHEDULED', scheduled_at = $2, scheduled_end_at = $3, blocked_until = $3 WHERE id = $1`, [cid, at(h), at(h, 55)]),
    ).rejects.toMatchObject(DENIED); // longer than booked
    expect(
      await db.affected(ctx.empA1, `UPDATE consultations SET status = 'SCHEDULED', scheduled_at = $2, scheduled_end_at = $3, blocked_until = $3 WHERE id = $1`, [cid, at(h), at(h, 50)]),
    ).toBe(1);
    expect(await consultationRow(cid)).toMatchObject({ status: 'SCHEDULED', scheduled_at: at(h) });
  });

  it('no-show: by the practitioner only, naming the absent party', async () => {
    const cid = await consultation();
    await expect(db.affected(ctx.prac1, `UPDATE consultations SET status = 'NO_SHOW', no_show_by = 'nobody' WHERE id = $1`, [cid])).rejects.toMatchObject({ code: '23514' });
    expect(await db.affected(ctx.prac1, `UPDATE consultations SET status = 'NO_SHOW', no_show_by = 'employee', no_show_at = $2 WHERE id = $1`, [cid, at(0)])).toBe(1);
    expect(Math.abs(secondsAgo((await consultationRow(cid)).no_show_at))).toBeLessThan(60);
  });

  it('a booking is a plain SCHEDULED row: no billing, notes or outcome chosen by the employee', async () => {
    const h = nextHour++;
    const row = { id: id(), company_id: F.companyA, employee_id: F.empA1, practitioner_id: F.prac2, scheduled_at: at(h), scheduled_end_at: at(h, 50), blocked_until: at(h, 50), format: 'VIDEO', updated_at: new Date() };
    for (const extra of [{ billing_status: 'VALIDATED' }, { is_billable: false }, { notes: 'x' }, { cancel_reason: 'x' }, { scheduled_end_at: at(h, 59) }]) {
      await expect(db.asApp(ctx.empA1, (c) => insert(c, 'consultations', { ...row, ...extra })), JSON.stringify(extra)).rejects.toMatchObject(DENIED);
    }
    await db.asApp(ctx.empA1, (c) => insert(c, 'consultations', row));
  });

  it('the system role (workers, no context) stays unrestricted', async () => {
    const cid = await consultation();
    await db.sys.query(`UPDATE consultations SET status = 'COMPLETED', started_at = $2, ended_at = $3, billing_status = 'BILLED', is_billable = false WHERE id = $1`, [cid, at(14, 2), at(14, 52)]);
    expect(await consultationRow(cid)).toMatchObject({ status: 'COMPLETED', actual_duration_seconds: 3000, billing_status: 'BILLED' });
  });
});

// ───────────────────────────── 3. messages ─────────────────────────────
describe('messages: authorship and read receipts', () => {
  let cid: string;
  let other: string;
  let msg: string;
  beforeAll(async () => {
    cid = await consultation();
    other = await consultation();
    msg = await insert(db.sys, 'messages', { id: id(), consultation_id: cid, sender_id: F.userEmpA1, sender_role: 'EMPLOYEE', ...ENVELOPE });
  });

  it('sender, consultation and creation time never change, for any role', async () => {
    await expect(db.affected(ctx.prac1, 'UPDATE messages SET sender_id = $2 WHERE id = $1', [msg, F.userPrac1])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.empA1, 'UPDATE messages SET consultation_id = $2 WHERE id = $1', [msg, other])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.empA1, `UPDATE messages SET created_at = created_at - interval '1 day' WHERE id = $1`, [msg])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.empA1, `UPDATE messages SET sender_role = 'PRACTITIONER' WHERE id = $1`, [msg])).rejects.toMatchObject(DENIED);
    await expect(db.sys.query('UPDATE messages SET sender_id = $2 WHERE id = $1', [msg, F.userPrac1])).rejects.toMatchObject(DENIED);
  });

  it('only the sender edits or deletes the content; only the recipient marks it read', async () => {
    await expect(db.affected(ctx.prac1, `UPDATE messages SET encrypted_content = 'forged', is_edited = true, edited_at = now() WHERE id = $1`, [msg])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.prac1, 'UPDATE messages SET is_deleted = true, deleted_at = now() WHERE id = $1', [msg])).rejects.toMatchObject(DENIED);
    await expect(db.affected(ctx.empA1, 'UPDATE messages SET is_read = true, read_at = now() WHERE id = $1', [msg])).rejects.toMatchObject(DENIED);

    expect(await db.affected(ctx.prac1, 'UPDATE messages SET is_read = true, read_at = now() WHERE id = $1', [msg])).toBe(1);
    expect(await db.affected(ctx.empA1, `UPDATE messages SET encrypted_content = 'edited', is_edited = true, edited_at = now() WHERE id = $1`, [msg])).toBe(1);
    expect(await db.affected(ctx.empA1, 'UPDATE messages SET is_deleted = true, deleted_at = now() WHERE id = $1', [msg])).toBe(1);
    expect(await db.sysRow('SELECT encrypted_content, is_read, is_deleted FROM messages WHERE id = $1', [msg])).toEqual({ encrypted_content: 'edited', is_read: true, is_deleted: true });
    await db.sys.query(`UPDATE messages SET key_version = 'v2' WHERE id = $1`, [msg]); // key rotation (system)
  });

  it('a new message carries the caller’s role and starts unread', async () => {
    const row = { id: id(), consultation_id: cid, sender_id: F.userEmpA1, ...ENVELOPE };
    await expect(db.asApp(ctx.empA1, (c) => insert(c, 'messages', { ...row, sender_role: 'PRACTITIONER' }))).rejects.toMatchObject(DENIED);
    await expect(db.asApp(ctx.empA1, (c) => insert(c, 'messages', { ...row, sender_role: 'EMPLOYEE', is_read: true }))).rejects.toMatchObject(DENIED);
    await db.asApp(ctx.empA1, (c) => insert(c, 'messages', { ...row, sender_role: 'EMPLOYEE' }));
  });
});

// ───────────────────────────── 3. availabilities ─────────────────────────────
describe('availabilities: the private reason', () => {
  let availability: string;
  beforeAll(async () => {
    availability = id();
    await db.asApp(ctx.prac1, async (c) => {
      await insert(c, 'availabilities', { id: availability, practitioner_id: F.prac1, type: 'EXCEPTION', date: at(0), is_available: false, updated_at: new Date() });
      await insert(c, 'availability_reasons', { availability_id: availability, reason: 'Congés maladie' });
    });
  });

  const reasonsSeenBy = (who: Ctx) =>
    db.asApp(who, async (c) => (await c.query('SELECT reason FROM availability_reasons WHERE availability_id = $1', [availability])).rows.map((r) => r.reason));

  it('only the owning practitioner reads the reason; everyone signed in still sees the exception', async () => {
    expect(await reasonsSeenBy(ctx.prac1)).toEqual(['Congés maladie']);
    for (const who of [ctx.empA1, ctx.rhA, ctx.prac2, ctx.huntzen, ctx.superAdmin]) {
      expect(await reasonsSeenBy(who), who.role).toEqual([]);
      expect(await db.asApp(who, async (c) => (await c.query('SELECT id FROM availabilities WHERE id = $1', [availability])).rowCount)).toBe(1);
    }
    // the column is gone from the table everyone reads
    await expect(db.asApp(ctx.empA1, (c) => c.query('SELECT reason FROM availabilities'))).rejects.toMatchObject({ code: '42703' });
  });

  it('nobody else writes a reason on the practitioner’s availability', async () => {
    await expect(db.asApp(ctx.prac2, (c) => insert(c, 'availability_reasons', { availability_id: availability, reason: 'x' }))).rejects.toMatchObject(DENIED);
    expect(await db.affected(ctx.prac2, `UPDATE availability_reasons SET reason = 'x' WHERE availability_id = $1`, [availability])).toBe(0);
    expect(await db.affected(ctx.rhA, 'DELETE FROM availability_reasons WHERE availability_id = $1', [availability])).toBe(0);
    const mine = id();
    await insert(db.sys, 'availabilities', { id: mine, practitioner_id: F.prac1, type: 'EXCEPTION', date: at(0, 0, 1), is_available: false, updated_at: new Date() });
    await expect(db.asApp(ctx.prac2, (c) => insert(c, 'availability_reasons', { availability_id: mine, reason: 'x' }))).rejects.toMatchObject(DENIED);
    expect(await reasonsSeenBy(ctx.prac1)).toEqual(['Congés maladie']);
  });
});
