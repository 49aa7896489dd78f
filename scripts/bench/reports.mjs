// Reports bench (issue 9): R1 over N generated consultations (default 1,000,000) with the counter views
// refreshed, and the R3 CSV of N employees streamed while the api's peak resident memory is sampled.
// `npm run bench -- reports` runs it alone (scripts/bench.mjs starts the api and its database).
// Data is generated inside PostgreSQL, set-based (INSERT … SELECT generate_series, batches of
// BENCH_REPORT_BATCH rows, progress printed), as the system role: the owner is bound by FORCE RLS and has
// no INSERT policy, and the system role (BYPASSRLS) is what the app's own jobs write with. Nothing the app
// owns is dropped, disabled or recreated: the rows go through the real triggers (durations derived from
// started_at/ended_at) and constraints, then the views are refreshed by the app's refresh functions.
import fs from 'node:fs';

const ROWS = Number(process.env.BENCH_REPORT_ROWS ?? 1_000_000);
/** Consultations for R1 (default: as many as ROWS): a smaller number gets to the R3 export sooner. */
const CONSULTATIONS = Number(process.env.BENCH_REPORT_CONSULTATIONS ?? ROWS);
const USAGE_EMPLOYEES = Number(process.env.BENCH_REPORT_EMPLOYEES ?? 10_000);
const DEPARTMENTS = 40;
const PRACTITIONERS = 50;
const BATCH = Number(process.env.BENCH_REPORT_BATCH ?? 100_000);
const TAG = 'bench:reports';
const say = (msg) => console.log(`[${TAG}] ${msg}`);
const mb = (bytes) => +(bytes / 2 ** 20).toFixed(1);

async function timed(label, fn) {
  const t0 = Date.now();
  const r = await fn();
  const ms = Date.now() - t0;
  say(`${label}: ${(ms / 1000).toFixed(1)} s`);
  return { r, ms };
}

/** Runs `sql` for [from, to) slices of [0, total), printing progress; `sql` takes $1 = from, $2 = to (exclusive). */
async function inBatches(client, label, total, sql, params = []) {
  const t0 = Date.now();
  for (let from = 0; from < total; from += BATCH) {
    const to = Math.min(total, from + BATCH);
    await client.query(sql, [from, to, ...params]);
    const s = (Date.now() - t0) / 1000;
    say(`${label}: ${to.toLocaleString('en')} / ${total.toLocaleString('en')} (${s.toFixed(1)} s, ${Math.round(to / s).toLocaleString('en')} rows/s)`);
  }
  return Date.now() - t0;
}

/** A company, its HR admin and `n` active employees over DEPARTMENTS departments (set-based, in batches). */
export async function generateCompany(client, name, n) {
  const slug = name.toLowerCase().replace(/\W+/g, '-');
  const id = (await client.query(
    `INSERT INTO companies (id, name, slug, email_domains, is_active, validated_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, ARRAY[$3], true, now(), now()) RETURNING id`, [name, slug, `@${slug}.test`],
  )).rows[0].id;
  const rh = (await client.query(
    `INSERT INTO users (id, email, password_hash, role, is_active, email_verified, company_id, updated_at)
     VALUES (gen_random_uuid(), $1, '!', 'ADMIN_RH', true, true, $2, now()) RETURNING id`, [`rh@${slug}.test`, id],
  )).rows[0].id;
  // one statement per batch writes the user and its employee profile (the CTE hands the ids over)
  await inBatches(client, `${name}: employees`, n,
    `WITH u AS (
       INSERT INTO users (id, email, password_hash, role, is_active, email_verified, company_id, updated_at)
       SELECT gen_random_uuid(), 'e' || i || '@' || $4, '!', 'EMPLOYEE', true, true, $3, now() FROM generate_series($1::int, $2::int - 1) i
       RETURNING id, email)
     INSERT INTO employees (id, user_id, company_id, first_name, last_name, department, updated_at)
     SELECT gen_random_uuid(), u.id, $3, 'Prénom' || split_part(u.email, '@', 1), 'Nom-' || md5(u.email),
            'Service ' || (abs(hashtext(u.email)) % ${DEPARTMENTS}), now()
     FROM u`, [id, `${slug}.test`]);
  return { id, rh: { id: rh, email: `rh@${slug}.test`, role: 'ADMIN_RH', companyId: id } };
}

/**
 * The R1 data set: a company of `employees` employees and PRACTITIONERS practitioners with `rows` COMPLETED,
 * billable, VALIDATED consultations spread over 2025 (every employee and practitioner in every month), then
 * both views refreshed. Returns the company and the timings.
 */
export async function generateUsage(client, { rows = CONSULTATIONS, employees = USAGE_EMPLOYEES, analyze } = {}) {
  const usage = (await timed(`company with ${employees} employees`, () => generateCompany(client, 'Bench Usage Corp', employees))).r;
  await client.query(
    `WITH u AS (
       INSERT INTO users (id, email, password_hash, role, is_active, email_verified, updated_at)
       SELECT gen_random_uuid(), 'rp' || i || '@bench-reports.test', '!', 'PRACTITIONER', true, true, now() FROM generate_series(1, ${PRACTITIONERS}) i
       RETURNING id, email)
     INSERT INTO practitioners (id, user_id, first_name, last_name, title, specialty, languages, bio, is_validated, validated_at, timezone, updated_at)
     SELECT gen_random_uuid(), u.id, 'Bench', u.email, 'Dr.', 'PSYCHOLOGUE_CLINICIEN', ARRAY['fr'], 'Praticien de test.', true, now(), 'UTC', now() FROM u`,
  );
  // numbered once, so each batch joins on an indexed-by-hash small table instead of re-numbering
  await client.query(`CREATE TEMP TABLE bench_e AS SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS n FROM employees WHERE company_id = $1`, [usage.id]);
  await client.query(`CREATE TEMP TABLE bench_p AS SELECT p.id, (row_number() OVER (ORDER BY p.id)) - 1 AS n FROM practitioners p JOIN users u ON u.id = p.user_id WHERE u.email LIKE 'rp%@bench-reports.test'`);
  await client.query('ANALYZE bench_e; ANALYZE bench_p');
  // consultation i: employee i mod E, practitioner i mod P, at minute (i·37 mod a year) of 2025, 40–59 min
  const generateMs = await inBatches(client, 'consultations', rows,
    `INSERT INTO consultations (id, company_id, employee_id, practitioner_id, scheduled_at, scheduled_end_at, blocked_until, duration, format,
                                status, started_at, ended_at, billing_status, updated_at)
     SELECT gen_random_uuid(), $3, e.id, p.id, g.at, g.at + interval '50 minutes', g.at + interval '60 minutes', 50, 'VIDEO',
            'COMPLETED', g.at, g.at + (40 + g.i % 20) * interval '1 minute', 'VALIDATED', now()
     FROM (SELECT i, timestamptz '2025-01-01 00:00Z' + ((i::bigint * 37) % 525600) * interval '1 minute' AS at
           FROM generate_series($1::int, $2::int - 1) i) g
     JOIN bench_e e ON e.n = g.i % $4 JOIN bench_p p ON p.n = g.i % ${PRACTITIONERS}`,
    [usage.id, employees]);
  await client.query('DROP TABLE bench_e, bench_p');
  // statistics before the refresh: with none, its diff query plans nested loops (minutes instead of seconds)
  await analyze('ANALYZE consultations, employees, users');
  const refresh = await timed('refresh of both views (CONCURRENTLY, the app\'s refresh functions)', async () => {
    await client.query('SELECT refresh_employee_stats()');
    await client.query('SELECT refresh_practitioner_stats()');
  });
  await analyze('ANALYZE employee_usage_stats, employee_usage_totals, practitioner_billing_stats, report_headcounts');
  return { usage, generateMs, refreshMs: refresh.ms };
}

/** The statement ReportsService.employeeUsage() sends for R1 (keep the two in step). */
const R1_SQL = `SELECT report_company_department($1::uuid, $4::text) AS department,
       t.employee_count, t.active_count, t.consultation_count, t.total_duration_seconds,
       (SELECT json_agg(p ORDER BY p.ordinality)
          FROM report_employee_usage_page($1::uuid, $2::date, $3::date, $4::text, $5::integer, $6::integer) WITH ORDINALITY AS p) AS rows
  FROM report_employee_usage_totals($1::uuid, $2::date, $3::date, $4::text) AS t`;

/**
 * EXPLAIN (ANALYZE, BUFFERS) of R1 as huntzen_app with the HR caller's context, the statements inside the
 * SECURITY DEFINER functions included (auto_explain, nested statements, sent to this client as LOG
 * messages: loading it takes a superuser, who then becomes huntzen_app with SET ROLE). Pages 1 and 50,
 * with and without a department; printed and written to bench-results/reports-explain.txt.
 */
export async function explainR1(adminUrl, dbName, rh) {
  const { default: pg } = await import('pg');
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  const logs = [];
  c.on('notice', (n) => logs.push(n.message));
  const out = [];
  try {
    await c.query("LOAD 'auto_explain'");
    await c.query(`SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on; SET auto_explain.log_buffers = on;
                   SET auto_explain.log_nested_statements = on; SET auto_explain.log_timing = on; SET client_min_messages = log`);
    await c.query('SET ROLE huntzen_app');
    const cases = [
      ['page 1, whole company', null, 20, 0],
      ['page 50, whole company', null, 20, 980],
      ['page 1, department "service 7"', 'service 7', 20, 0],
    ];
    const context = `SELECT set_config('app.user_id', $1, true), set_config('app.role', $2, true), set_config('app.company_id', $3, true),
                            set_config('app.employee_id', '', true), set_config('app.practitioner_id', '', true)`;
    const explain = async (text, params) => {
      await c.query('BEGIN');
      await c.query(context, [rh.id, 'ADMIN_RH', rh.companyId]);
      const plan = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
      await c.query('COMMIT');
      return plan.rows.map((r) => r['QUERY PLAN']);
    };
    const nested = (on) => c.query(`RESET ROLE; SET auto_explain.log_min_duration = ${on ? 0 : -1}; SET ROLE huntzen_app`);
    for (const [label, dept, limit, offset] of cases) {
      const params = [rh.companyId, '2025-06-01', '2025-07-01', dept, limit, offset];
      // timing without auto_explain (its logging costs milliseconds), warm: the third of three runs
      await nested(false);
      let timed;
      for (let i = 0; i < 3; i++) timed = await explain(R1_SQL, params);
      // the same with the statements inside the functions
      await nested(true);
      logs.length = 0;
      await explain(R1_SQL, params);
      const inner = logs.filter((l) => !/set_config\(/.test(l) && !/EXPLAIN \(ANALYZE/.test(l));
      out.push(`──── R1 ${label} (as huntzen_app, HR context; warm) ────`, ...timed);
      out.push('  ── statements inside the functions (auto_explain, separate run) ──', ...inner.map((l) => l.replace(/^/gm, '  ')));
    }
    // for comparison: one pass over the company's employees, as the totals did before (report_employee_usage)
    await nested(false);
    let pass;
    for (let i = 0; i < 2; i++) pass = await explain(`SELECT count(*), sum(consultation_count) FROM report_employee_usage($1::uuid, '2025-06-01', '2025-07-01', NULL, NULL)`, [rh.companyId]);
    out.push('──── for comparison: a pass over the company (report_employee_usage, what the totals did per request) ────', ...pass);
  } finally {
    await c.end();
  }
  const text = out.join('\n');
  const dir = new URL('../../bench-results/', import.meta.url);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(new URL('reports-explain.txt', dir), `${text}\n`);
  say(`EXPLAIN of R1 as huntzen_app, full plans in bench-results/reports-explain.txt:\n${out.filter((l) => /^────|^Execution Time/.test(l)).join('\n')}`);
}

const pick = (r) => ({ requestsPerSec: r.requestsPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms, non2xx: r.non2xx });

function memOf(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)[1]) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** V8 heap of the api from its Prometheus metrics (prom-client's default Node metrics): used, and old space used. */
async function heapOf(base, auth) {
  try {
    const text = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    const num = (re) => Number(re.exec(text)?.[1] ?? NaN);
    return {
      used: num(/^nodejs_heap_size_used_bytes (\S+)/m),
      // what V8 holds from the system (used + free space between collections) and memory outside its heap
      // that JavaScript objects own (Buffers, WebAssembly memory)
      total: num(/^nodejs_heap_size_total_bytes (\S+)/m),
      external: num(/^nodejs_external_memory_bytes (\S+)/m),
      old: num(/^nodejs_heap_space_size_used_bytes\{space="old"\} (\S+)/m),
      large: num(/^nodejs_heap_space_size_used_bytes\{space="large_object"\} (\S+)/m),
    };
  } catch {
    return { used: NaN, total: NaN, external: NaN, old: NaN, large: NaN };
  }
}

/**
 * `BENCH_HEAP_SNAPSHOTS=<dir>`: the api writes a heap snapshot there (SIGUSR2) at each step, for
 * `node scripts/bench/heap-summary.mjs`. Writing one costs the api time and memory: the RSS figures of
 * such a run are not the bench's.
 */
async function heapSnapshot(apiPid, base, label) {
  const dir = process.env.BENCH_HEAP_SNAPSHOTS;
  if (!dir) return;
  const full = new URL(`../../${dir}/`, import.meta.url);
  fs.mkdirSync(full, { recursive: true });
  const list = () => fs.readdirSync(full).filter((f) => f.endsWith('.heapsnapshot'));
  const had = new Set(list());
  const mem = memOf(apiPid);
  process.kill(apiPid, 'SIGUSR2');
  let file;
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    file ??= list().find((f) => !had.has(f));
    // the snapshot is written synchronously on the api's main thread: once /health answers again, it is complete
    if (file && (await fetch(`${base}/health`).then((r) => r.ok, () => false))) break;
  }
  const named = `${label}-${file}`;
  fs.renameSync(new URL(file, full), new URL(named, full));
  say(`heap snapshot ${label}: ${dir}/${named} (api RSS ${mb(mem.rss)} MB, VmHWM ${mb(mem.hwm)} MB before it)`);
}

export async function benchReports({ base, systemUrl, ownerUrl, adminUrl, dbName, apiPid, run, autocannon, tokenFor, connections }) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: systemUrl });
  await client.connect();
  // ANALYZE needs the tables' owner (the system role's is silently skipped with a warning)
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  const analyze = (sql) => owner.query(sql);
  const results = [];
  const figures = { rows: ROWS, consultations: CONSULTATIONS, employees: USAGE_EMPLOYEES };
  try {
    // ── R1 over CONSULTATIONS consultations ──
    const boot = memOf(apiPid);
    figures.apiRssAtStartMb = mb(boot.rss);
    await heapSnapshot(apiPid, base, '1-after-warm-up');
    const { usage, generateMs, refreshMs } = await generateUsage(client, { analyze });
    figures.generateConsultationsMs = generateMs;
    figures.refreshMs = refreshMs;
    if (adminUrl && !process.env.BENCH_REPORT_SKIP_EXPLAIN) await explainR1(adminUrl, dbName, usage.rh);
    const rhUsage = { authorization: `Bearer ${tokenFor(usage.rh)}` };
    let page = 0;
    const r1 = await run(autocannon, `GET /api/reports/employee-usage (R1, ${CONSULTATIONS} consultations, ${USAGE_EMPLOYEES} employees, pages of 20)`, {
      url: base,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/reports/employee-usage?period=2025-06&limit=20&page=${(page++ % 50) + 1}`, headers: rhUsage }) }],
    });
    results.push(r1);
    // the same at one connection: the latency of a request that waits for nobody else (2 cores shared by
    // the api, PostgreSQL, Redis and autocannon: at 20 connections every request also waits for 19 others)
    const r1Alone = await run(autocannon, 'GET /api/reports/employee-usage (R1, one connection)', {
      url: base,
      connections: 1,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/reports/employee-usage?period=2025-06&limit=20&page=${(page++ % 50) + 1}`, headers: rhUsage }) }],
    });
    results.push(r1Alone);
    figures.r1 = { connections, ...pick(r1), oneConnection: pick(r1Alone) };
    say(`R1: ${r1.requestsPerSec} req/s, p50 ${r1.p50Ms} ms, p99 ${r1.p99Ms} ms at ${connections ?? 'the bench\'s'} connections; one connection: ${r1Alone.requestsPerSec} req/s, p50 ${r1Alone.p50Ms} ms, p99 ${r1Alone.p99Ms} ms (goal p99 < 50 ms, judged at one connection: see README)`);

    // ── R3 CSV of ROWS employees, streamed; the api's peak RSS from the kernel (VmHWM) ──
    // BENCH_REPORT_SKIP_EXPORT=1: R1 only
    if (!process.env.BENCH_REPORT_SKIP_EXPORT) {
      const big = (await timed(`company with ${ROWS} employees`, () => generateCompany(client, 'Bench Export Corp', ROWS))).r;
      await analyze('ANALYZE employees, users');
      await heapSnapshot(apiPid, base, '2-before-export');
      // the api's V8 heap (a SUPER_ADMIN may read /metrics): before, every second during, after the export
      const admin = (await client.query(`SELECT id, email FROM users WHERE role = 'SUPER_ADMIN' ORDER BY created_at LIMIT 1`)).rows[0];
      const adminAuth = { authorization: `Bearer ${tokenFor({ id: admin.id, email: admin.email, role: 'SUPER_ADMIN', companyId: null })}` };
      const heapBefore = await heapOf(base, adminAuth);
      let heapPeak = heapBefore.used;
      let heapTotalPeak = heapBefore.total;
      let externalPeak = heapBefore.external;
      // the process's peak so far (boot, the http scenarios, R1), then the kernel's high-water mark reset to
      // the current RSS (clear_refs 5, Linux ≥ 4.0), so VmHWM after the export is the export's own peak
      const peakBeforeExport = memOf(apiPid).hwm;
      let hwmReset = true;
      try {
        fs.writeFileSync(`/proc/${apiPid}/clear_refs`, '5');
      } catch {
        hwmReset = false;
      }
      const before = memOf(apiPid);
      let sampledPeak = before.rss;
      const sampler = setInterval(() => {
        try {
          sampledPeak = Math.max(sampledPeak, memOf(apiPid).rss);
        } catch {}
      }, 50);
      const heapSampler = setInterval(() => heapOf(base, adminAuth).then((h) => {
        heapPeak = Math.max(heapPeak, h.used || 0);
        heapTotalPeak = Math.max(heapTotalPeak, h.total || 0);
        externalPeak = Math.max(externalPeak, h.external || 0);
      }), 1000);
      const t0 = Date.now();
      const res = await fetch(`${base}/api/reports/export-employee-usage?period=2025-06`, { headers: { authorization: `Bearer ${tokenFor(big.rh)}` } });
      if (res.status !== 200) throw new Error(`R3 export answered ${res.status}`);
      let bytes = 0;
      let lines = 0;
      for await (const chunk of res.body) {
        bytes += chunk.length;
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
      }
      const ms = Date.now() - t0;
      clearInterval(sampler);
      clearInterval(heapSampler);
      const after = memOf(apiPid);
      const heapAfter = await heapOf(base, adminAuth);
      const rows = lines - 7; // 5 comment lines, the blank line, the column header
      figures.export = {
        rows,
        bytes,
        seconds: +(ms / 1000).toFixed(1),
        rowsPerSec: Math.round(rows / (ms / 1000)),
        rssBeforeMb: mb(before.rss),
        sampledPeakRssMb: mb(Math.max(sampledPeak, after.rss)),
        // VmHWM reset before the export: the kernel's exact peak while streaming (else since the start)
        peakRssMb: mb(after.hwm),
        peakMeasuredFrom: hwmReset ? 'export start' : 'process start',
        processPeakBeforeExportMb: mb(peakBeforeExport),
        heapUsedBeforeMb: mb(heapBefore.used),
        heapUsedPeakSampledMb: mb(heapPeak),
        heapUsedAfterMb: mb(heapAfter.used),
        heapTotalBeforeMb: mb(heapBefore.total),
        heapTotalPeakSampledMb: mb(heapTotalPeak),
        externalBeforeMb: mb(heapBefore.external),
        externalPeakSampledMb: mb(externalPeak),
        oldSpaceBeforeMb: mb(heapBefore.old),
        oldSpaceAfterMb: mb(heapAfter.old),
        largeObjectSpaceAfterMb: mb(heapAfter.large),
      };
      const x = figures.export;
      say(`R3 CSV: ${rows} rows, ${mb(bytes)} MiB in ${x.seconds} s = ${x.rowsPerSec} rows/s; api RSS ${x.rssBeforeMb} MB before, ${x.sampledPeakRssMb} MB at most during the export; peak during the export (VmHWM${hwmReset ? ', reset at its start' : ' since the process started'}) ${x.peakRssMb} MB (goal < 150 MB; the process's peak before it, from boot and the scenarios run before it: ${x.processPeakBeforeExportMb} MB); V8 heap used ${x.heapUsedBeforeMb} MB before, ${x.heapUsedPeakSampledMb} MB at most (sampled every second), ${x.heapUsedAfterMb} MB after (old space ${x.oldSpaceBeforeMb} → ${x.oldSpaceAfterMb} MB, large objects ${x.largeObjectSpaceAfterMb} MB); V8 heap held ${x.heapTotalBeforeMb} MB before, ${x.heapTotalPeakSampledMb} MB at most; external (Buffers, WebAssembly) ${x.externalBeforeMb} MB before, ${x.externalPeakSampledMb} MB at most`);
      if (rows !== ROWS) throw new Error(`R3 export streamed ${rows} rows, expected ${ROWS}`);
      await heapSnapshot(apiPid, base, '3-after-export');
      results.push({ name: `GET /api/reports/export-employee-usage (R3 CSV, ${rows} rows)`, requestsPerSec: 0, p50Ms: ms, p99Ms: ms, total: 1, non2xx: 0, errors: 0, ok: true, rowsPerSec: x.rowsPerSec, peakRssMb: x.peakRssMb });
    }
  } finally {
    await client.end();
    await owner.end();
  }
  const dir = new URL('../../bench-results/', import.meta.url);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(new URL('reports.json', dir), JSON.stringify({ at: new Date().toISOString(), node: process.version, figures, results }, null, 2));
  return { results, figures };
}
