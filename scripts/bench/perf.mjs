// Issue 11: the bench's goals table, the baseline (physical ceiling) scenario and profiling switches.
// Imported by scripts/bench.mjs; scenario names stay stable so ratios compare across commits.
import path from 'node:path';

/** The goals of issue 11: ratio of req/s to `GET /health` of the same run. */
export const GOALS = [
  { match: 'GET /api/auth/me', goal: 0.5 },
  { match: 'GET /api/consultations/mine', goal: 0.35 },
  { match: 'GET /api/practitioners/search', goal: 0.2 },
  { match: 'GET /api/availability/slots', goal: 0.2 },
  { match: 'POST /api/consultations', goal: 0.1 },
];

/** Extra node flags for the api: `BENCH_CPU_PROF=<dir>` writes a V8 CPU profile there when the api stops. */
export function apiNodeArgs(root) {
  const dir = process.env.BENCH_CPU_PROF;
  const heap = process.env.BENCH_HEAP_SNAPSHOTS; // heap snapshots on SIGUSR2 (scripts/bench/reports.mjs sends them)
  return [
    ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(root, dir)}`] : []),
    ...(heap ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${path.resolve(root, heap)}`] : []),
  ];
}

/** Env for the api: the bench-only baseline route (refused in production by the api itself). */
export const apiEnv = { BENCH_BASELINE_ROUTE: 'true' };

/** `BENCH_ONLY=me,booking,...` runs only those scenarios (plus /health, the reference). */
export function wanted(key) {
  const only = process.env.BENCH_ONLY;
  return key === 'health' || !only || only.split(',').includes(key);
}

/** Prints every ratio with its goal, the p99/p50 check of /api/auth/me, and whether each goal is met. */
export function report(results) {
  const health = results.find((r) => r.name.startsWith('GET /health'));
  const ceiling = results.find((r) => r.name.startsWith('baseline'));
  console.log('\n| scenario | ratio to /health | goal | met | ratio to baseline (pg, one round trip) | p99/p50 |\n|---|---|---|---|---|---|');
  for (const r of results) {
    const g = GOALS.find((x) => r.name.startsWith(x.match));
    const ratio = +(r.requestsPerSec / health.requestsPerSec).toFixed(2);
    const vsCeiling = ceiling ? +(r.requestsPerSec / ceiling.requestsPerSec).toFixed(2) : '—';
    const met = g ? (ratio >= g.goal ? 'yes' : `no (${Math.round((100 * ratio) / g.goal)} % of goal)`) : '—';
    console.log(`| ${r.name} | ${ratio} | ${g ? `≥ ${g.goal}` : '—'} | ${met} | ${vsCeiling} | ${(r.p99Ms / Math.max(r.p50Ms, 1)).toFixed(1)} |`);
  }
  const me = results.find((r) => r.name.startsWith('GET /api/auth/me'));
  if (me) console.log(`\n/api/auth/me p99 ${me.p99Ms} ms vs 4 × p50 = ${4 * me.p50Ms} ms: ${me.p99Ms < 4 * me.p50Ms ? 'met' : 'NOT met'}`);
}
