#!/usr/bin/env node
// RPC over the embedded transport (the default on one host) against its limit, a raw node:cluster
// IPC ping-pong between two workers through the primary (scripts/lib/embedded-rpc-bench.mjs):
// calls/s, latency and CPU µs per call of the calling worker, the other worker and the launcher,
// at each concurrency, rounds alternating the two, medians printed.
//
// `--baseline DIR` adds a row for another built checkout (its dist/launcher.js), rounds alternating
// with this one: a before/after comparison on a busy machine. `--count-ipc` ends with one more
// cell of each of our rows that counts the IPC messages, bytes and frames per call
// (scripts/lib/count-ipc.mjs; counting costs CPU, so that cell is not in the CPU figures).
//
//   npm run build && node scripts/bench-rpc-embedded.mjs [--seconds 4] [--concurrency 1,16] [--rounds 3] [--baseline DIR] [--count-ipc]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { embeddedRpcCell, rawIpcCell } from './lib/embedded-rpc-bench.mjs';
import { median } from './lib/proc.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '1,16' },
    rounds: { type: 'string', default: '3' },
    baseline: { type: 'string' },
    'count-ipc': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const levels = values.concurrency.split(',').map(Number);
const rounds = Number(values.rounds);
if (!(seconds > 0) || !(rounds >= 1) || levels.some((c) => !(c >= 1)))
  throw new Error('--seconds, --concurrency and --rounds must be positive');

const loadBefore = loadavg();
const dir = mkdtempSync(join(tmpdir(), 'oslo-node-bench-embedded-'));
const rows = [
  ['raw node:cluster IPC ping-pong (limit)', (c) => rawIpcCell({ concurrency: c, seconds })],
  [
    'ours: RpcClient → RpcServer, embedded transport',
    (c, countIpc) => embeddedRpcCell({ concurrency: c, seconds, embeddedSocket: join(dir, 'embedded.sock'), countIpc }),
  ],
];
if (values.baseline) {
  const checkout = values.baseline;
  rows.push([
    `baseline (${checkout})`,
    (c, countIpc) => embeddedRpcCell({ concurrency: c, seconds, embeddedSocket: join(dir, 'baseline.sock'), checkout, countIpc }),
  ]);
}
const counted = [];
const samples = new Map();
try {
  for (let round = 1; round <= rounds; round++) {
    for (const c of levels) {
      for (const [label, run] of rows) {
        const r = await run(c);
        const key = `${label}|${c}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push({
          rate: r.calls / r.seconds,
          p50: r.p50_ms,
          p99: r.p99_ms,
          client: (r.client_cpu_ms * 1000) / r.calls,
          server: (r.server_cpu_ms * 1000) / r.calls,
          primary: (r.primary_cpu_ms * 1000) / r.calls,
        });
        process.stderr.write(
          `round ${round}, c=${c}, ${label}: ${(r.calls / r.seconds).toFixed(0)} calls/s${r.errors ? `, ${r.errors} errors` : ''}\n`,
        );
      }
    }
  }
  if (values['count-ipc']) {
    for (const c of levels) for (const [label, run] of rows.slice(1)) counted.push({ label, c, ipc: (await run(c, true)).ipc });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const med = (key, field) => median(samples.get(key).map((s) => s[field]));
const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
console.log(
  `RPC echo over the embedded transport, 2 workers, ${seconds} s per cell, median of ${rounds} rounds, ${new Date().toISOString()}, node ${process.version}, load average ${load(loadBefore)} before, ${load(loadavg())} after`,
);
// ×limit: the median over rounds of each round's ratio to the limit measured next to it.
console.log('| row | c | calls/s | ×limit | p50 ms | p99 ms | client µs/call | server µs/call | launcher µs/call |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const c of levels) {
  const limits = samples.get(`${rows[0][0]}|${c}`);
  for (const [label] of rows) {
    const key = `${label}|${c}`;
    const f = (field, digits = 1) => med(key, field).toFixed(digits);
    const ratio = median(samples.get(key).map((s, round) => s.rate / limits[round].rate));
    console.log(
      `| ${label} | ${c} | ${f('rate', 0)} | ${ratio.toFixed(2)} | ${f('p50', 3)} | ${f('p99', 3)} | ${f('client')} | ${f('server')} | ${f('primary')} |`,
    );
  }
}
if (counted.length > 0) {
  console.log('\nIPC per call, all processes (scripts/lib/count-ipc.mjs, one more cell):');
  console.log('| row | c | messages | bytes | frames |');
  console.log('|---|---|---|---|---|');
  for (const { label, c, ipc } of counted) {
    const frames = Object.entries(ipc.frames)
      .filter(([, n]) => n >= 0.01)
      .map(([type, n]) => `${type} ${n.toFixed(2)}`)
      .join(', ');
    console.log(`| ${label} | ${c} | ${ipc.messages.toFixed(2)} | ${ipc.bytes.toFixed(0)} | ${frames} |`);
  }
}
