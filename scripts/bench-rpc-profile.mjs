#!/usr/bin/env node
// Where the CPU time of one RPC call goes, ours against raw amqplib doing oslo's broker work
// (raw-wire), on each side of the call. Both pairs run the benchmark's closed loop
// (scripts/lib/bench-node-{server,client}.mjs, after its warm-up) over one broker, each process
// sampled by `perf record -e cpu-clock` (a software clock: this machine has no hardware
// counters) with node's --perf-basic-prof, so JIT-compiled JavaScript has names. Samples are
// grouped (kernel, JSON, allocator, GC, V8 builtins and inline caches, our JavaScript,
// amqplib's, node's own, …) and printed as µs of CPU per call, for the client and the server of
// each pair, with the difference; then the symbols that differ most.
//
// Sampled CPU time counts what runs, not what waits: a process that sleeps between calls is
// not charged for it, so the figures hold on a busy machine too (the calls/s do not).
//
//   npm run build && node scripts/bench-rpc-profile.mjs [--concurrency 1] [--seconds 5] [--top 15]
// Needs perf (Debian's linux-perf; scripts/system-deps.sh --bench installs it).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOOP_START_LINE } from './lib/closed-loop.mjs';
import { broker, nodeSide, startRpcServer } from './lib/rpc-pair.mjs';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: '1' }, seconds: { type: 'string', default: '5' }, top: { type: 'string', default: '15' } } });
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
if (!(concurrency >= 1) || !(seconds >= 2)) throw new Error('--concurrency must be ≥ 1 and --seconds ≥ 2');
if (spawnSync('perf', ['--version']).status !== 0) throw new Error('perf is missing: scripts/system-deps.sh --bench installs linux-perf');

const SAMPLE_HZ = 4999;
/** perf starts at the loop's first line and stops this much before its end, inside the loop. */
const SAMPLE_SECONDS = seconds - 1;

/** A sample's group, from its shared object and symbol. */
function group(dso, symbol) {
  if (dso.includes('kernel')) return 'kernel (system calls, scheduler, TCP)';
  if (dso.startsWith('[JIT]')) {
    if (symbol.includes('/dist/src/')) return 'JS: ours';
    if (symbol.includes('amqplib')) return 'JS: amqplib';
    if (symbol.includes('node:')) return "JS: node's (streams, timers, promises)";
    return 'JS: benchmark loop';
  }
  if (/Json/.test(symbol)) return 'JSON parse/stringify';
  if (/malloc|calloc|free|unlink_chunk|BackingStore|ArrayBufferAllocator/.test(symbol)) return 'allocator, off-heap buffers';
  if (/Scaveng|Sweep|Heap::|Mark|Evacuat|GC|Remembered|Slot/.test(symbol)) return 'GC';
  if (/compiler::|maglev|Maglev|Turbofan|Pipeline/.test(symbol)) return 'V8 compiler';
  if (symbol.startsWith('Builtins_')) return 'V8 builtins, inline caches';
  if (dso.startsWith('lib')) return 'libc, libstdc++ other';
  return 'node, V8 runtime other';
}

/** Samples per [group] and per symbol of one perf.data. */
function samples(file) {
  const report = spawnSync('perf', ['report', '-i', file, '--no-children', '-g', 'none', '-n', '--sort', 'dso,sym', '--stdio'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const groups = new Map();
  const symbols = new Map();
  for (const line of report.stdout.split('\n')) {
    const m = /^\s*[\d.]+%\s+(\d+)\s+(\S.*?)\s+\[(.)\]\s+(.*)$/.exec(line);
    if (!m) continue;
    const n = Number(m[1]);
    const symbol = m[4].trim().replace(/^JS:[*~^+]?/, 'JS:');
    const g = group(m[2].trim(), symbol);
    groups.set(g, (groups.get(g) ?? 0) + n);
    symbols.set(symbol.slice(0, 100), (symbols.get(symbol.slice(0, 100)) ?? 0) + n);
  }
  return { groups, symbols };
}

/** Run one pair under perf; resolves with { calls, client, server } (samples, calls in the window). */
async function profile(mode, url) {
  const side = nodeSide(mode);
  const topic = `profile-${randomBytes(4).toString('hex')}`;
  const withPerfMap = (argv) => [argv[0], '--perf-basic-prof', ...argv.slice(1)];
  const stopServer = await startRpcServer(withPerfMap(side.server(url, topic)));
  const files = { client: `/tmp/oslo-node-profile-${topic}-client.data`, server: `/tmp/oslo-node-profile-${topic}-server.data` };
  const pids = [stopServer.pid];
  try {
    const argv = withPerfMap(side.client(url, topic, concurrency, seconds));
    const client = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    pids.push(client.pid);
    const perf = (pid, file) => spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', String(SAMPLE_HZ), '-p', String(pid), '-o', file, '--', 'sleep', String(SAMPLE_SECONDS)], { stdio: 'ignore' });
    let out = '';
    const recorders = [];
    const done = new Promise((resolve, reject) => {
      client.stdout.on('data', (chunk) => {
        out += chunk;
        if (recorders.length === 0 && out.includes(LOOP_START_LINE)) {
          recorders.push(perf(stopServer.pid, files.server), perf(client.pid, files.client));
        }
      });
      client.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${mode} client exited ${code}`))));
    });
    await done;
    await Promise.all(recorders.map((recorder) => new Promise((resolve) => (recorder.exitCode === null ? recorder.once('exit', resolve) : resolve()))));
    const result = JSON.parse(out.trim().split('\n').pop());
    return { calls: (result.calls * SAMPLE_SECONDS) / result.seconds, rate: result.calls / result.seconds, client: samples(files.client), server: samples(files.server) };
  } finally {
    await stopServer();
    for (const file of Object.values(files)) rmSync(file, { force: true });
    for (const pid of pids) rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
}

const found = broker();
let raw;
let ours;
try {
  raw = await profile('raw-wire', found.url);
  ours = await profile('oslo', found.url);
} finally {
  found.stop();
}

/** A markdown table, as the other benchmarks print theirs. */
const table = (header, rows) => [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
const usPerCall = (run, n) => (n * 1e6) / SAMPLE_HZ / run.calls;
const fmt = (v) => v.toFixed(1);
const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);
const names = [...new Set([...raw.client.groups.keys(), ...ours.client.groups.keys(), ...raw.server.groups.keys(), ...ours.server.groups.keys()])];
const cell = (run, which, name) => usPerCall(run, run[which].groups.get(name) ?? 0);
const rows = names
  .map((name) => [name, ...['client', 'server'].flatMap((which) => [cell(raw, which, name), cell(ours, which, name), cell(ours, which, name) - cell(raw, which, name)])])
  .sort((a, b) => b[3] + b[6] - (a[3] + a[6]));
const total = ['total', ...['client', 'server'].flatMap((which) => {
  const r = usPerCall(raw, sum(raw[which].groups));
  const o = usPerCall(ours, sum(ours[which].groups));
  return [r, o, o - r];
})];
console.log(`CPU µs per RPC call by where it goes, c=${concurrency}, ${SAMPLE_SECONDS} s sampled at ${SAMPLE_HZ} Hz (perf cpu-clock), ${new Date().toISOString()}, node ${process.version}`);
console.log(`raw-wire ${raw.rate.toFixed(0)} calls/s, ours ${ours.rate.toFixed(0)} calls/s (${(ours.rate / raw.rate).toFixed(2)}x; perf slows both)`);
console.log(table(['where', 'client raw-wire', 'client ours', 'client +', 'server raw-wire', 'server ours', 'server +'], [...rows, total].map(([name, ...v]) => [name, ...v.map(fmt)])));

for (const which of ['client', 'server']) {
  const symbols = [...new Set([...raw[which].symbols.keys(), ...ours[which].symbols.keys()])];
  const diff = (s) => usPerCall(ours, ours[which].symbols.get(s) ?? 0) - usPerCall(raw, raw[which].symbols.get(s) ?? 0);
  const top = symbols.sort((a, b) => diff(b) - diff(a)).slice(0, Number(values.top));
  console.log(`\n${which}: the ${top.length} symbols that cost ours most over raw-wire (µs/call: raw-wire, ours, +)`);
  console.log(table(['symbol', 'raw-wire', 'ours', '+'], top.map((s) => [s, fmt(usPerCall(raw, raw[which].symbols.get(s) ?? 0)), fmt(usPerCall(ours, ours[which].symbols.get(s) ?? 0)), fmt(diff(s))])));
}
