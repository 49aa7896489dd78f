// Issue 10 items 4 and 5 at SQL level as huntzen_app: invitations only for never-activated accounts, and
// the SECURITY DEFINER functions that replace the system client on request paths return only what the
// caller may know (migration 20261129000200_definer_functions).
import { randomUUID } from 'node:crypto';
import { connectSqlRoles, insertRow, Row, SqlCtx, SqlRoles } from '../helpers/app-sql.js';

let db: SqlRoles;
const tag = randomUUID().slice(0, 8);
const id = () => randomUUID();

const F = {
  companyA: id(), companyB: id(),
  userRhA: id(), userRhB: id(), userEmpA1: id(), userEmpA2: id(), userEmpB1: id(),
  userInvitedA: id(), userSelfRegA: id(), userOffA: id(), userInvitedB: id(),
  userPrac1: id(), userPrac2: id(), userInvitedPrac: id(), userHuntzen: id(),
  empA1: id(), empA2: id(), empB1: id(), empInvitedA: id(), empSelfRegA: id(), empOffA: id(), empInvitedB: id(),
  prac1: id(), prac2: id(), invitedPrac: id(),
};
const ctx = {} as Record<'rhA' | 'rhB' | 'empA1' | 'empA2' | 'empB1' | 'prac1' | 'prac2' | 'huntzen', SqlCtx>;

// A far-future day per run, so fixtures never collide with other suites' bookings.
const day = new Date(Date.UTC(2040 + Math.floor(Math.random() * 40), Math.floor(Math.random() * 12), 1 + Math.floor(Math.random() * 20)));
const at = (hh: number, mm = 0, dayOffset = 0) => new Date(day.getTime() + dayOffset * 86_400_000 + (hh * 60 + mm) * 60_000);
const WINDOW = [at(0), at(0, 0, 6)];

function consultation(employeeId: string, companyId: string, practitionerId: string, startH: number, dayOffset: number, extra: Row = {}): Row {
  return {
    id: id(), company_id: companyId, employee_id: employeeId, practitioner_id: practitionerId,
    scheduled_at: at(startH, 0, dayOffset), scheduled_end_at: at(startH, 50, dayOffset), blocked_until: at(startH + 1, 0, dayOffset),
    format: 'VIDEO', updated_at: new Date(), ...extra,
  };
}

beforeAll(async () => {
  db = connectSqlRoles();
  const { sys } = db;
  const now = new Date();
  const company = (cid: string, name: string) => ({ id: cid, name, slug: `definer-${name.toLowerCase()}-${tag}`, email_domains: [`@${name.toLowerCase()}-${tag}.test`], is_active: true, validated_at: now, updated_at: now });
  await insertRow(sys, 'companies', company(F.companyA, 'Alpha'));
  await insertRow(sys, 'companies', company(F.companyB, 'Beta'));
  // active: a signed-in account; invited: as the invitation paths create it ('!' = no password yet);
  // self-registered: its own password, e-mail not verified yet; off: activated once, then switched off.
  const states = {
    active: { is_active: true, email_verified: true, email_verified_at: now, password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' },
    invited: { is_active: false, email_verified: false, password_hash: '!' },
    selfRegistered: { is_active: false, email_verified: false, password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' },
    off: { is_active: false, email_verified: true, email_verified_at: now, password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', password_changed_at: now },
  };
  const user = (uid: string, role: string, companyId: string | null, state: keyof typeof states) =>
    insertRow(sys, 'users', { id: uid, email: `${role.toLowerCase()}-${uid.slice(0, 8)}-${tag}@example.test`, role, company_id: companyId, updated_at: now, ...states[state] });
  await user(F.userRhA, 'ADMIN_RH', F.companyA, 'active');
  await user(F.userRhB, 'ADMIN_RH', F.companyB, 'active');
  await user(F.userEmpA1, 'EMPLOYEE', F.companyA, 'active');
  await user(F.userEmpA2, 'EMPLOYEE', F.companyA, 'active');
  await user(F.userEmpB1, 'EMPLOYEE', F.companyB, 'active');
  await user(F.userInvitedA, 'EMPLOYEE', F.companyA, 'invited');
  await user(F.userSelfRegA, 'EMPLOYEE', F.companyA, 'selfRegistered');
  await user(F.userOffA, 'EMPLOYEE', F.companyA, 'off');
  await user(F.userInvitedB, 'EMPLOYEE', F.companyB, 'invited');
  await user(F.userPrac1, 'PRACTITIONER', null, 'active');
  await user(F.userPrac2, 'PRACTITIONER', null, 'active');
  await user(F.userInvitedPrac, 'PRACTITIONER', null, 'invited');
  await user(F.userHuntzen, 'ADMIN_HUNTZEN', null, 'active');
  const employee = (eid: string, uid: string, companyId: string) => insertRow(sys, 'employees', { id: eid, user_id: uid, company_id: companyId, first_name: 'E', last_name: eid.slice(0, 8), updated_at: now });
  await employee(F.empA1, F.userEmpA1, F.companyA);
  await employee(F.empA2, F.userEmpA2, F.companyA);
  await employee(F.empB1, F.userEmpB1, F.companyB);
  await employee(F.empInvitedA, F.userInvitedA, F.companyA);
  await employee(F.empSelfRegA, F.userSelfRegA, F.companyA);
  await employee(F.empOffA, F.userOffA, F.companyA);
  await employee(F.empInvitedB, F.userInvitedB, F.companyB);
  const practitioner = (pid: string, uid: string, validated: boolean) =>
    insertRow(sys, 'practitioners', { id: pid, user_id: uid, first_name: 'P', last_name: pid.slice(0, 8), title: 'Dr.', specialty: 'PSYCHOLOGUE_CLINICIEN', bio: 'bio', is_validated: validated, validated_at: validated ? now : null, updated_at: now });
  await practitioner(F.prac1, F.userPrac1, true);
  await practitioner(F.prac2, F.userPrac2, false); // not listed: other callers do not see it
  await practitioner(F.invitedPrac, F.userInvitedPrac, false);

  // prac1, day 0: 09:00-10:00 (A1) and 10:00-11:00 (B1) back to back; 14:00 cancelled (frees its time)
  await insertRow(sys, 'consultations', consultation(F.empA1, F.companyA, F.prac1, 9, 0));
  await insertRow(sys, 'consultations', consultation(F.empB1, F.companyB, F.prac1, 10, 0, { status: 'CONFIRMED' }));
  await insertRow(sys, 'consultations', consultation(F.empA2, F.companyA, F.prac1, 14, 0, { status: 'CANCELLED', cancelled_at: now }));
  await insertRow(sys, 'consultations', consultation(F.empA1, F.companyA, F.prac2, 9, 1));
  // completed ones for the HR counters: A1 twice (45 + 30 min), A2 not billable, B1 in the other company
  const done = (startH: number, dayOffset: number, minutes: number, extra: Row = {}) => ({
    status: 'COMPLETED', started_at: at(startH, 0, dayOffset), ended_at: at(startH, minutes, dayOffset), ...extra,
  });
  await insertRow(sys, 'consultations', consultation(F.empA1, F.companyA, F.prac1, 9, 2, done(9, 2, 45)));
  await insertRow(sys, 'consultations', consultation(F.empA1, F.companyA, F.prac1, 9, 3, done(9, 3, 30)));
  await insertRow(sys, 'consultations', consultation(F.empA2, F.companyA, F.prac1, 11, 2, done(11, 2, 40, { is_billable: false })));
  await insertRow(sys, 'consultations', consultation(F.empB1, F.companyB, F.prac1, 11, 3, done(11, 3, 20)));

  ctx.rhA = { userId: F.userRhA, role: 'ADMIN_RH', companyId: F.companyA };
  ctx.rhB = { userId: F.userRhB, role: 'ADMIN_RH', companyId: F.companyB };
  ctx.empA1 = { userId: F.userEmpA1, role: 'EMPLOYEE', companyId: F.companyA, employeeId: F.empA1 };
  ctx.empA2 = { userId: F.userEmpA2, role: 'EMPLOYEE', companyId: F.companyA, employeeId: F.empA2 };
  ctx.empB1 = { userId: F.userEmpB1, role: 'EMPLOYEE', companyId: F.companyB, employeeId: F.empB1 };
  ctx.prac1 = { userId: F.userPrac1, role: 'PRACTITIONER', practitionerId: F.prac1 };
  ctx.prac2 = { userId: F.userPrac2, role: 'PRACTITIONER', practitionerId: F.prac2 };
  ctx.huntzen = { userId: F.userHuntzen, role: 'ADMIN_HUNTZEN' };
});

afterAll(() => db?.close());

// ───────────────────────────── item 4: invitations ─────────────────────────────
describe('invitation tokens (item 4)', () => {
  const invitation = (userId: string, inviter: SqlCtx, extra: Row = {}) => ({
    id: id(), user_id: userId, type: 'INVITATION', token_hash: id(), expires_at: at(0, 0, 7), created_by: inviter.userId, company_id: inviter.companyId ?? null, ...extra,
  });
  const mint = (inviter: SqlCtx, userId: string) => db.asApp(inviter, (c) => insertRow(c, 'user_tokens', invitation(userId, inviter)));

  it('HR mints an invitation only for an employee of its company that was never activated', async () => {
    await expect(mint(ctx.rhA, F.userInvitedA)).resolves.toBeTruthy();
    for (const target of [F.userEmpA1, F.userOffA, F.userSelfRegA, F.userInvitedB]) {
      await expect(mint(ctx.rhA, target), target).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('HuntZen admins mint one only for a practitioner (or HR admin) that was never activated', async () => {
    await expect(mint(ctx.huntzen, F.userInvitedPrac)).resolves.toBeTruthy();
    for (const target of [F.userPrac1, F.userRhA]) {
      await expect(mint(ctx.huntzen, target), target).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('an invitee that signed in once (or chose a password by a reset) can no longer be invited', async () => {
    const uid = id();
    await db.sys.query(
      `INSERT INTO users (id, email, role, company_id, password_hash, is_active, email_verified, updated_at)
       VALUES ($1, $2, 'EMPLOYEE', $3, '!', false, false, now())`,
      [uid, `late-${uid.slice(0, 8)}-${tag}@example.test`, F.companyA],
    );
    await expect(mint(ctx.rhA, uid)).resolves.toBeTruthy();
    await db.sys.query(`UPDATE users SET password_hash = '$argon2id$x', password_changed_at = now() WHERE id = $1`, [uid]);
    await expect(mint(ctx.rhA, uid)).rejects.toMatchObject({ code: '42501' });
  });

  it('HR withdraws the unused invitations of its own employees, and nothing else', async () => {
    const { sys } = db;
    const mine = await insertRow(sys, 'user_tokens', invitation(F.userInvitedA, ctx.rhA));
    const used = await insertRow(sys, 'user_tokens', invitation(F.userInvitedA, ctx.rhA, { used_at: new Date() }));
    const verification = await insertRow(sys, 'user_tokens', { id: id(), user_id: F.userEmpA1, type: 'PASSWORD_RESET', token_hash: id(), expires_at: at(0, 0, 1) });
    const otherCompany = await insertRow(sys, 'user_tokens', invitation(F.userInvitedB, ctx.rhB));
    const del = (who: SqlCtx | null, tokenId: string) => db.asApp(who, async (c) => (await c.query('DELETE FROM user_tokens WHERE id = $1', [tokenId])).rowCount);

    for (const tokenId of [used, verification, otherCompany]) expect(await del(ctx.rhA, tokenId), tokenId).toBe(0);
    expect(await del(ctx.empA1, mine)).toBe(0);
    expect(await del(null, mine)).toBe(0);
    expect(await del(ctx.rhB, mine)).toBe(0);
    expect(await del(ctx.rhA, mine)).toBe(1);
    const left = await sys.query('SELECT count(*)::int AS n FROM user_tokens WHERE id = ANY($1::uuid[])', [[used, verification, otherCompany]]);
    expect(left.rows[0].n).toBe(3);
  });
});

// ───────────────────────────── item 5: definer functions ─────────────────────────────
describe('SECURITY DEFINER functions (item 5)', () => {
  const FUNCTIONS = ['practitioner_busy_ranges', 'employee_usage_counts', 'outbox_claim', 'outbox_settle'];

  it('are owned by the migration owner, pin their search_path, and are executable by huntzen_app only', async () => {
    const { rows } = await db.owner.query(
      `SELECT p.proname, p.prosecdef, pg_get_userbyid(p.proowner) = current_user AS owned, p.proconfig,
              has_function_privilege('huntzen_app', p.oid, 'EXECUTE') AS app,
              has_function_privilege('huntzen_system', p.oid, 'EXECUTE') AS system
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proname = ANY($1)`,
      [FUNCTIONS],
    );
    expect(rows.map((r) => r.proname).sort()).toEqual([...FUNCTIONS].sort());
    for (const r of rows) {
      expect(r, r.proname).toMatchObject({ prosecdef: true, owned: true, app: true, system: false });
      expect(r.proconfig, r.proname).toContain('search_path=public, pg_temp');
    }
  });

  describe('practitioner_busy_ranges', () => {
    const busy = (who: SqlCtx | null, practitionerIds: string[]) =>
      db.asApp(who, async (c) => (await c.query('SELECT * FROM practitioner_busy_ranges($1::uuid[], $2, $3) ORDER BY starts_at', [practitionerIds, ...WINDOW])));

    it('gives any signed-in caller the merged busy ranges of a practitioner, and nothing else', async () => {
      const res = await busy(ctx.empA2, [F.prac1]);
      expect(res.fields.map((f) => f.name)).toEqual(['practitioner_id', 'starts_at', 'ends_at']);
      // 09-10 (A1) and 10-11 (B1) merge: neither who nor how many; the cancelled 14:00 is free
      expect(res.rows).toEqual([{ practitioner_id: F.prac1, starts_at: at(9), ends_at: at(11) }]);
      expect((await busy(ctx.rhB, [F.prac1])).rows).toHaveLength(1);
    });

    it('returns nothing without a context', async () => {
      expect((await busy(null, [F.prac1, F.prac2])).rows).toEqual([]);
    });

    it('returns nothing about a practitioner the caller may not see (not listed), except to itself', async () => {
      expect((await busy(ctx.empA2, [F.prac2])).rows).toEqual([]);
      expect((await busy(ctx.prac1, [F.prac2])).rows).toEqual([]);
      expect((await busy(ctx.prac2, [F.prac2])).rows).toEqual([{ practitioner_id: F.prac2, starts_at: at(9, 0, 1), ends_at: at(10, 0, 1) }]);
    });

    it('the owner-only policy opens nothing to the app role, whatever the app sets', async () => {
      const n = await db.asApp(ctx.empA2, async (c) => {
        await c.query(`SELECT set_config('app.definer', 'busy_ranges', true), set_config('app.stats_refresh', 'on', true)`);
        return (await c.query('SELECT count(*)::int AS n FROM consultations WHERE employee_id <> $1', [F.empA2])).rows[0].n;
      });
      expect(n).toBe(0);
    });
  });

  describe('employee_usage_counts', () => {
    const usage = (who: SqlCtx | null, employeeIds = [F.empA1, F.empA2, F.empB1]) =>
      db.asApp(who, async (c) => (await c.query('SELECT * FROM employee_usage_counts($1::uuid[], $2, $3) ORDER BY employee_id', [employeeIds, ...WINDOW])).rows);

    it('gives HR the per-employee counters of its own company: completed, billable, in the period', async () => {
      expect(await usage(ctx.rhA)).toEqual([{ employee_id: F.empA1, consultation_count: 2, total_duration_minutes: 75 }]);
      expect(await usage(ctx.rhB)).toEqual([{ employee_id: F.empB1, consultation_count: 1, total_duration_minutes: 20 }]);
    });

    it('returns nothing to HR of another company, to an employee, a practitioner, a platform admin, or without context', async () => {
      expect(await usage(ctx.rhB, [F.empA1])).toEqual([]);
      for (const who of [ctx.empA1, ctx.prac1, ctx.huntzen, { ...ctx.huntzen, role: 'SUPER_ADMIN' as const }, null]) {
        expect(await usage(who), who?.role ?? 'no context').toEqual([]);
      }
      // a forged company id in an EMPLOYEE context does not help either
      expect(await usage({ ...ctx.empA1, companyId: F.companyA })).toEqual([]);
    });
  });

  describe('outbox_claim / outbox_settle', () => {
    const write = (who: SqlCtx, extra: Row = {}) =>
      db.asApp(who, (c) => insertRow(c, 'outbox_messages', { id: id(), topic: 'mail', payload: JSON.stringify({ to: 'x@example.test' }), ...extra }));
    const claim = (who: SqlCtx | null, ids: string[]) => db.asApp(who, async (c) => (await c.query('SELECT * FROM outbox_claim($1::uuid[])', [ids])).rows);
    const settle = (who: SqlCtx | null, msgId: string, error: string | null) =>
      db.asApp(who, async (c) => (await c.query('SELECT outbox_settle($1, $2) AS ok', [msgId, error])).rows[0].ok);

    it('the database records the writer; a forged writer is refused', async () => {
      const msg = await write(ctx.empA1);
      expect((await db.sys.query('SELECT created_by FROM outbox_messages WHERE id = $1', [msg])).rows[0].created_by).toBe(F.userEmpA1);
      await expect(write(ctx.empA1, { created_by: F.userEmpA2 })).rejects.toMatchObject({ code: '42501' });
    });

    it('the writer claims and settles its own undelivered messages; nobody else sees or settles them', async () => {
      const msg = await write(ctx.empA1);
      expect(await db.asApp(ctx.empA1, async (c) => (await c.query('SELECT count(*)::int AS n FROM outbox_messages')).rows[0].n)).toBe(0);
      for (const who of [ctx.empA2, ctx.prac1, ctx.rhA, null]) {
        expect(await claim(who, [msg]), who?.role ?? 'no context').toEqual([]);
        expect(await settle(who, msg, null), who?.role ?? 'no context').toBe(false);
      }
      expect(await claim(ctx.empA1, [msg])).toEqual([{ id: msg, topic: 'mail', payload: { to: 'x@example.test' } }]);
      expect(await settle(ctx.empA1, msg, 'Error')).toBe(true);
      expect((await db.sys.query('SELECT attempts, last_error, delivered_at FROM outbox_messages WHERE id = $1', [msg])).rows[0]).toEqual({ attempts: 1, last_error: 'Error', delivered_at: null });
      expect(await settle(ctx.empA1, msg, null)).toBe(true);
      expect(await claim(ctx.empA1, [msg])).toEqual([]);
      expect(await settle(ctx.empA1, msg, null)).toBe(false);
      expect((await db.sys.query('SELECT attempts FROM outbox_messages WHERE id = $1', [msg])).rows[0].attempts).toBe(2);
    });
  });
});
