#!/usr/bin/env node
// RPC over the embedded transport (the default on one host) against its limit, a raw node:cluster
// IPC ping-pong between two workers through the primary (scripts/lib/embedded-rpc-bench.mjs):
// calls/s, latency and CPU µs per call of the calling worker, the other worker and the launcher,
// at each concurrency, rounds alternating the two, medians printed.
//
//   npm run build && node scripts/bench-rpc-embedded.mjs [--seconds 4] [--concurrency 1,16] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { embeddedRpcCell, rawIpcCell } from './lib/embedded-rpc-bench.mjs';
import { median } from './lib/proc.mjs';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '4' }, concurrency: { type: 'string', default: '1,16' }, rounds: { type: 'string', default: '3' } },
});
const seconds = Number(values.seconds);
const levels = values.concurrency.split(',').map(Number);
const rounds = Number(values.rounds);
if (!(seconds > 0) || !(rounds >= 1) || levels.some((c) => !(c >= 1))) throw new Error('--seconds, --concurrency and --rounds must be positive');

const dir = mkdtempSync(join(tmpdir(), 'oslo-node-bench-embedded-'));
const rows = [
  ['raw node:cluster IPC ping-pong (limit)', (c) => rawIpcCell({ concurrency: c, seconds })],
  ['ours: RpcClient → RpcServer, embedded transport', (c) => embeddedRpcCell({ concurrency: c, seconds, embeddedSocket: join(dir, 'embedded.sock') })],
];
const samples = new Map();
try {
  for (let round = 1; round <= rounds; round++) {
    for (const c of levels) {
      for (const [label, run] of rows) {
        const r = await run(c);
        const key = `${label}|${c}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key).push({
          rate: r.calls / r.seconds, p50: r.p50_ms, p99: r.p99_ms,
          client: (r.client_cpu_ms * 1000) / r.calls, server: (r.server_cpu_ms * 1000) / r.calls, primary: (r.primary_cpu_ms * 1000) / r.calls,
        });
        process.stderr.write(`round ${round}, c=${c}, ${label}: ${(r.calls / r.seconds).toFixed(0)} calls/s${r.errors ? `, ${r.errors} errors` : ''}\n`);
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const med = (key, field) => median(samples.get(key).map((s) => s[field]));
console.log(`RPC echo over the embedded transport, 2 workers, ${seconds} s per cell, median of ${rounds} rounds, ${new Date().toISOString()}, node ${process.version}`);
console.log('| row | c | calls/s | ×limit | p50 ms | p99 ms | client µs/call | server µs/call | launcher µs/call |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const c of levels) {
  const limit = med(`${rows[0][0]}|${c}`, 'rate');
  for (const [label] of rows) {
    const key = `${label}|${c}`;
    const f = (field, digits = 1) => med(key, field).toFixed(digits);
    console.log(`| ${label} | ${c} | ${f('rate', 0)} | ${(med(key, 'rate') / limit).toFixed(2)} | ${f('p50', 3)} | ${f('p99', 3)} | ${f('client')} | ${f('server')} | ${f('primary')} |`);
  }
}
