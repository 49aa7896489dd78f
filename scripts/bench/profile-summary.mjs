#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package, so the README can
// say where the time goes. Usage: node scripts/bench/profile-summary.mjs <file.cpuprofile> [top=25] [last seconds]
import fs from 'node:fs';

export function summarise(file, top = 25, lastSec = 0) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  // lastSec: only the samples of the last seconds (the scenario), not the boot nor the seeding
  const from = lastSec ? prof.endTime - lastSec * 1e6 : 0;
  let at = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    at += dt[i] ?? 0;
    if (at >= from) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id).callFrame.functionName)).reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const pkgOf = (url) => {
    if (!url) return '(native/v8)';
    const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    if (m) return m[1];
    if (url.startsWith('node:')) return 'node core';
    if (url.includes('/dist/src/')) return 'app (dist/src)';
    return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
  };
  const fns = new Map();
  const pkgs = new Map();
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    if (['(idle)', '(program)'].includes(functionName)) continue;
    const key = `${functionName || '(anonymous)'} ${pkgOf(url)}${url ? `:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + t);
    pkgs.set(pkgOf(url), (pkgs.get(pkgOf(url)) ?? 0) + t);
  }
  const pct = (t) => `${((100 * t) / busy).toFixed(1)} %`;
  const lines = [`busy ${(busy / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled`, '', 'by package (self time, share of busy):'];
  for (const [k, t] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(t).padStart(7)}  ${k}`);
  lines.push('', 'top functions (self time):');
  for (const [k, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t).padStart(7)}  ${k}`);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!process.argv[2]) throw new Error('usage: profile-summary.mjs <file.cpuprofile> [top]');
  console.log(summarise(process.argv[2], Number(process.argv[3] ?? 25), Number(process.argv[4] ?? 0)));
}
