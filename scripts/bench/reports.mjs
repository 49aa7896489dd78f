// Reports bench (issue 9): R1 over N generated consultations (default 1,000,000) with the counter views
// refreshed, and the R3 CSV of N employees streamed while the api's resident memory is sampled.
// Data is generated in SQL with generate_series on the system role (BYPASSRLS: the owner is bound by
// FORCE RLS and has no INSERT policy), so the database triggers (durations) run as for real rows.
// Invoked by scripts/bench.mjs after its own scenarios; slow to set up, never part of `npm test`.
import fs from 'node:fs';

const ROWS = Number(process.env.BENCH_REPORT_ROWS ?? 1_000_000);
const USAGE_EMPLOYEES = Number(process.env.BENCH_REPORT_EMPLOYEES ?? 10_000);
const TAG = 'bench:reports';
const say = (msg) => console.log(`[${TAG}] ${msg}`);

async function timed(label, fn) {
  const t0 = Date.now();
  const r = await fn();
  const ms = Date.now() - t0;
  say(`${label}: ${(ms / 1000).toFixed(1)} s`);
  return { r, ms };
}

/** A company, its HR admin and `n` active employees (users + employees in two set-based statements). */
async function company(client, name, n) {
  const slug = name.toLowerCase().replace(/\W+/g, '-');
  const id = (await client.query(
    `INSERT INTO companies (id, name, slug, email_domains, is_active, validated_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, ARRAY[$3], true, now(), now()) RETURNING id`, [name, slug, `@${slug}.test`],
  )).rows[0].id;
  const rh = (await client.query(
    `INSERT INTO users (id, email, password_hash, role, is_active, email_verified, company_id, updated_at)
     VALUES (gen_random_uuid(), $1, '!', 'ADMIN_RH', true, true, $2, now()) RETURNING id`, [`rh@${slug}.test`, id],
  )).rows[0].id;
  await client.query(
    `INSERT INTO users (id, email, password_hash, role, is_active, email_verified, company_id, updated_at)
     SELECT gen_random_uuid(), 'e' || i || '@${slug}.test', '!', 'EMPLOYEE', true, true, $1, now() FROM generate_series(1, $2) i`, [id, n],
  );
  await client.query(
    `INSERT INTO employees (id, user_id, company_id, first_name, last_name, department, updated_at)
     SELECT gen_random_uuid(), u.id, $1, 'Prénom' || substr(u.email, 2, strpos(u.email, '@') - 2), 'Nom-' || md5(u.email),
            'Service ' || (abs(hashtext(u.email)) % 20), now()
     FROM users u WHERE u.company_id = $1 AND u.role = 'EMPLOYEE'`, [id],
  );
  return { id, rh: { id: rh, email: `rh@${slug}.test`, role: 'ADMIN_RH', companyId: id } };
}

function rssOf(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(s)[1]) * 1024;
}

export async function benchReports({ base, systemUrl, apiPid, run, autocannon, tokenFor }) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: systemUrl });
  await client.connect();
  const results = [];
  const figures = {};
  try {
    // ── R1 over ROWS consultations: USAGE_EMPLOYEES employees, 50 practitioners, all of 2025 ──
    const usage = (await timed(`company with ${USAGE_EMPLOYEES} employees`, () => company(client, 'Bench Usage Corp', USAGE_EMPLOYEES))).r;
    await client.query(
      `INSERT INTO users (id, email, password_hash, role, is_active, email_verified, updated_at)
       SELECT gen_random_uuid(), 'rp' || i || '@bench-reports.test', '!', 'PRACTITIONER', true, true, now() FROM generate_series(1, 50) i`,
    );
    await client.query(
      `INSERT INTO practitioners (id, user_id, first_name, last_name, title, specialty, languages, bio, is_validated, validated_at, timezone, updated_at)
       SELECT gen_random_uuid(), u.id, 'Bench', u.email, 'Dr.', 'PSYCHOLOGUE_CLINICIEN', ARRAY['fr'], 'Praticien de test.', true, now(), 'UTC', now()
       FROM users u WHERE u.email LIKE 'rp%@bench-reports.test'`,
    );
    const gen = await timed(`${ROWS} consultations (generate_series)`, () =>
      client.query(
        `WITH e AS (SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS n FROM employees WHERE company_id = $1),
              p AS (SELECT p.id, (row_number() OVER (ORDER BY p.id)) - 1 AS n FROM practitioners p JOIN users u ON u.id = p.user_id WHERE u.email LIKE 'rp%@bench-reports.test'),
              g AS (SELECT i, timestamptz '2025-01-01 00:00Z' + ((i * 37) % 525600) * interval '1 minute' AS at FROM generate_series(0, $2 - 1) i)
         INSERT INTO consultations (id, company_id, employee_id, practitioner_id, scheduled_at, scheduled_end_at, blocked_until, duration, format,
                                    status, started_at, ended_at, billing_status, updated_at)
         SELECT gen_random_uuid(), $1, e.id, p.id, g.at, g.at + interval '50 minutes', g.at + interval '60 minutes', 50, 'VIDEO',
                'COMPLETED', g.at, g.at + (40 + g.i % 20) * interval '1 minute', 'VALIDATED', now()
         FROM g JOIN e ON e.n = g.i % $3 JOIN p ON p.n = g.i % 50`,
        [usage.id, ROWS, USAGE_EMPLOYEES],
      ),
    );
    await client.query('ANALYZE consultations; ANALYZE employees; ANALYZE users');
    const refresh = await timed('refresh of both views (CONCURRENTLY)', async () => {
      await client.query('SELECT refresh_employee_stats()');
      await client.query('SELECT refresh_practitioner_stats()');
    });
    await client.query('ANALYZE employee_usage_stats; ANALYZE practitioner_billing_stats');
    figures.generateConsultationsMs = gen.ms;
    figures.refreshMs = refresh.ms;
    const rhUsage = { authorization: `Bearer ${tokenFor(usage.rh)}` };
    let page = 0;
    results.push(
      await run(autocannon, `GET /api/reports/employee-usage (R1, ${ROWS} consultations, ${USAGE_EMPLOYEES} employees, pages of 20)`, {
        url: base,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/reports/employee-usage?period=2025-06&limit=20&page=${(page++ % 50) + 1}`, headers: rhUsage }) }],
      }),
    );

    // ── R3 CSV of ROWS employees, streamed; the api's RSS sampled every 50 ms ──
    const big = (await timed(`company with ${ROWS} employees`, () => company(client, 'Bench Export Corp', ROWS))).r;
    await client.query('ANALYZE employees; ANALYZE users');
    const rssBefore = rssOf(apiPid);
    let peak = rssBefore;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, rssOf(apiPid));
      } catch {}
    }, 50);
    const t0 = Date.now();
    const res = await fetch(`${base}/api/reports/export-employee-usage?period=2025-06`, { headers: { authorization: `Bearer ${tokenFor(big.rh)}` } });
    if (!res.ok) throw new Error(`R3 export answered ${res.status}`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body) {
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    }
    const ms = Date.now() - t0;
    clearInterval(sampler);
    peak = Math.max(peak, rssOf(apiPid));
    const rows = lines - 7; // 5 comment lines, the blank line, the column header
    figures.export = { rows, bytes, seconds: +(ms / 1000).toFixed(1), rowsPerSec: Math.round(rows / (ms / 1000)), rssBeforeMb: +(rssBefore / 2 ** 20).toFixed(1), peakRssMb: +(peak / 2 ** 20).toFixed(1) };
    say(`R3 CSV: ${rows} rows, ${(bytes / 2 ** 20).toFixed(1)} MiB in ${figures.export.seconds} s = ${figures.export.rowsPerSec} rows/s; api RSS ${figures.export.rssBeforeMb} MB before, peak ${figures.export.peakRssMb} MB (goal < 150 MB)`);
    if (rows !== ROWS) throw new Error(`R3 export streamed ${rows} rows, expected ${ROWS}`);
    results.push({ name: `GET /api/reports/export-employee-usage (R3 CSV, ${rows} rows)`, requestsPerSec: 0, p50Ms: ms, p99Ms: ms, total: 1, non2xx: 0, errors: 0, ok: true, rowsPerSec: figures.export.rowsPerSec, peakRssMb: figures.export.peakRssMb });
  } finally {
    await client.end();
  }
  const r1 = results[0];
  say(`R1 p99 ${r1.p99Ms} ms (goal < 50 ms), ${r1.requestsPerSec} req/s; views refreshed in ${(figures.refreshMs / 1000).toFixed(1)} s`);
  return { results, figures };
}
