// Benchmark: HTTP latency under steady load while the demo's digest task runs every second,
// offloaded to the piscina pool vs run inline on the event loop, against an idle baseline.
// One run, three modes side by side, printed as p50/p99 and ratios to idle. The modes are
// interleaved over --rounds rounds and each figure is the median of its rounds, because the
// machine is shared and a neighbour's burst would otherwise land on one mode only.
// Target (issue 6): offloaded p99 <= 2 x idle p99.
// Usage: npm run build && node scripts/bench-periodic.mjs [--rounds 3] [--duration 8] [--connections 16] [--mebibytes 256]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { median } from './lib/proc.mjs';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    mebibytes: { type: 'string', default: '256' },
    wrk: { type: 'string', default: '/usr/bin/wrk' },
  },
});
const harness = new URL('./lib/periodic-harness.mjs', import.meta.url).pathname;

/** wrk prints "99%    1.23ms"; return milliseconds. */
function toMs(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`cannot read wrk latency ${text}`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2]];
  return Number(match[1]) * scale;
}

function parseWrk(output) {
  const percentile = (p) => {
    const match = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(output);
    if (!match) throw new Error(`no ${p}% line in wrk output:\n${output}`);
    return toMs(match[1]);
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN);
  const errors = /Socket errors: (.*)/.exec(output)?.[1] ?? 'none';
  return { p50: percentile(50), p99: percentile(99), rps, errors };
}

async function runMode(mode) {
  const child = spawn(process.execPath, [harness, '--mode', mode, '--mebibytes', values.mebibytes], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  try {
    const first = await iterator.next();
    if (first.done) throw new Error(`${mode} harness exited before listening`);
    const { port } = JSON.parse(first.value);
    // Warm-up: let the first digest run and the pool thread start before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const wrk = spawn(values.wrk, ['-t1', `-c${values.connections}`, `-d${values.duration}s`, '--latency', `http://127.0.0.1:${port}/`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    wrk.stdout.on('data', (chunk) => (output += chunk));
    const [code] = await once(wrk, 'exit');
    if (code !== 0) throw new Error(`wrk exited with ${code}`);
    child.kill('SIGTERM');
    const last = await iterator.next();
    const stats = last.done ? { runs: Number.NaN, meanMs: Number.NaN } : JSON.parse(last.value);
    return { mode, ...parseWrk(output), ...stats, load: loadavg()[0] };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const modes = ['idle', 'offloaded', 'inline'];
const rounds = modes.map(() => []);
for (let round = 0; round < Number(values.rounds); round += 1) {
  for (const [index, mode] of modes.entries()) rounds[index].push(await runMode(mode));
}
const results = modes.map((mode, index) => {
  const rows = rounds[index];
  const pick = (key) => median(rows.map((row) => row[key]));
  return {
    mode,
    p50: pick('p50'),
    p99: pick('p99'),
    rps: pick('rps'),
    meanMs: pick('meanMs'),
    runs: rows.reduce((sum, row) => sum + (row.runs || 0), 0),
    load: pick('load'),
    p99s: rows.map((row) => row.p99),
  };
});
const idle = results[0];
const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
console.log(
  `bench-periodic: wrk -t1 -c${values.connections} -d${values.duration}s x ${values.rounds} rounds (medians), digest ${values.mebibytes} MiB every 1 s, node ${process.version}`,
);
console.log('mode        p50 ms   p99 ms   req/s     p99/idle  digest runs  digest mean ms  load1  p99 per round');
for (const row of results) {
  console.log(
    `${row.mode.padEnd(10)} ${fmt(row.p50).padStart(7)} ${fmt(row.p99).padStart(8)} ${fmt(row.rps, 0).padStart(8)} ${fmt(row.p99 / idle.p99).padStart(9)}x ${String(row.runs).padStart(11)} ${fmt(row.meanMs, 0).padStart(15)}  ${fmt(row.load).padStart(5)}  ${row.p99s.map((n) => fmt(n)).join(' / ')}`,
  );
}
const [, offloaded, inline] = results;
console.log(
  `offloaded p99 / idle p99 = ${fmt(offloaded.p99 / idle.p99)} (target <= 2.00): ${offloaded.p99 <= 2 * idle.p99 ? 'met' : 'NOT met'}`,
);
console.log(`inline p99 / offloaded p99 = ${fmt(inline.p99 / offloaded.p99)}`);
