#!/usr/bin/env node
// Where a V8 heap goes, by package: `node scripts/bench/heap-summary.mjs <file.heapsnapshot> [top]`.
// Take the snapshot from a running api with `API_NODE_FLAGS="… --heapsnapshot-signal=SIGUSR2"` and
// `kill -USR2 <pid>` (or v8.writeHeapSnapshot()). For every loaded script (V8 Script object) it adds up
// its source text and the compiled code hanging off its functions (SharedFunctionInfo, bytecode,
// feedback metadata, machine code), then groups scripts by npm package (node_modules/<pkg>), the app's
// own files (dist/) and Node's internals. Also prints the heap by node type and the largest constructors
// (self sizes: what is allocated, not what each module retains).
import fs from 'node:fs';

const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
if (!file) {
  console.error('usage: heap-summary.mjs <file.heapsnapshot> [top]');
  process.exit(2);
}
const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const { nodes, edges, strings } = snap;
const F = Object.fromEntries(meta.node_fields.map((f, i) => [f, i]));
const count = nodes.length / NF;
const firstEdge = new Uint32Array(count + 1);
for (let n = 0, e = 0; n < count; n++) {
  firstEdge[n] = e;
  e += nodes[n * NF + F.edge_count] * EF;
}
firstEdge[count] = edges.length;
const typeOf = (n) => nodeTypes[nodes[n * NF + F.type]];
const nameOf = (n) => strings[nodes[n * NF + F.name]];
const selfOf = (n) => nodes[n * NF + F.self_size];
function* edgesOf(n) {
  for (let e = firstEdge[n]; e < firstEdge[n + 1]; e += EF) {
    const type = edgeTypes[edges[e]];
    const name = type === 'element' || type === 'hidden' ? edges[e + 1] : strings[edges[e + 1]];
    yield { type, name, to: edges[e + 2] / NF };
  }
}
const edge = (n, name) => {
  for (const e of edgesOf(n)) if (e.name === name) return e.to;
  return -1;
};
/** A string node's full size, flattening cons strings. */
function stringSize(n, seen = new Set()) {
  if (n < 0 || seen.has(n)) return 0;
  seen.add(n);
  let size = selfOf(n);
  const t = typeOf(n);
  if (t === 'concatenated string') for (const e of edgesOf(n)) size += stringSize(e.to, seen);
  return size;
}
const mb = (b) => (b / 2 ** 20).toFixed(1);

// Scripts: 'code' nodes with a 'source' edge, named by their URL
const scriptName = new Map();
const groups = new Map();
function groupOf(url) {
  if (!url) return '(no name: eval, wasm glue, node internals)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (/\/dist\//.test(url)) return '(app: dist/)';
  if (url.startsWith('node:') || !url.includes('/')) return '(node internals)';
  return '(other) ' + url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
}
const bucket = (g) => {
  let b = groups.get(g);
  if (!b) groups.set(g, (b = { scripts: 0, source: 0, code: 0 }));
  return b;
};
for (let n = 0; n < count; n++) {
  if (typeOf(n) !== 'code' || edge(n, 'source') < 0) continue;
  const url = nameOf(n);
  const g = groupOf(url);
  scriptName.set(n, g);
  const b = bucket(g);
  b.scripts += 1;
  b.source += stringSize(edge(n, 'source'));
  b.code += selfOf(n);
}
// functions: SharedFunctionInfo → script; its bytecode, metadata and code counted for that script's group
let sfis = 0;
const counted = new Uint8Array(count);
for (let n = 0; n < count; n++) {
  if (typeOf(n) !== 'code') continue;
  const script = edge(n, 'script_or_debug_info');
  if (script < 0) continue;
  const parts = [n];
  for (const e of edgesOf(n)) if (e.name !== 'script_or_debug_info' && typeOf(e.to) === 'code' && edge(e.to, 'script_or_debug_info') < 0) parts.push(e.to);
  const g = scriptName.get(script);
  if (!g) continue;
  sfis += 1;
  const b = bucket(g);
  for (const p of parts) {
    if (counted[p]) continue;
    counted[p] = 1;
    b.code += selfOf(p);
  }
}

let total = 0;
const byType = new Map();
const byCtor = new Map();
for (let n = 0; n < count; n++) {
  const s = selfOf(n);
  total += s;
  const t = typeOf(n);
  byType.set(t, (byType.get(t) ?? 0) + s);
  const key = t === 'object' || t === 'closure' || t === 'array' || t === 'native' ? `${t} ${nameOf(n).slice(0, 60)}` : t;
  byCtor.set(key, (byCtor.get(key) ?? 0) + s);
}
console.log(`${file}: ${count.toLocaleString('en')} nodes, ${mb(total)} MB (self sizes), ${scriptName.size} scripts, ${sfis} functions attributed\n`);
console.log('| package | scripts | source MB | compiled MB | total MB |\n|---|---|---|---|---|');
const rows = [...groups].map(([g, b]) => ({ g, ...b, total: b.source + b.code })).sort((a, b) => b.total - a.total);
const sum = { scripts: 0, source: 0, code: 0 };
for (const r of rows) {
  sum.scripts += r.scripts;
  sum.source += r.source;
  sum.code += r.code;
}
for (const r of rows.slice(0, top)) console.log(`| ${r.g} | ${r.scripts} | ${mb(r.source)} | ${mb(r.code)} | ${mb(r.total)} |`);
console.log(`| all ${rows.length} groups | ${sum.scripts} | ${mb(sum.source)} | ${mb(sum.code)} | ${mb(sum.source + sum.code)} |`);
console.log('\n| node type | MB |\n|---|---|');
for (const [t, s] of [...byType].sort((a, b) => b[1] - a[1])) console.log(`| ${t} | ${mb(s)} |`);
console.log('\n| largest kinds (type + constructor) | MB |\n|---|---|');
for (const [t, s] of [...byCtor].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${t} | ${mb(s)} |`);
