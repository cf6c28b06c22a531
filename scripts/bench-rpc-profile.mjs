#!/usr/bin/env node
// Where the CPU time of one RPC call goes, ours against its reference, in each process of the
// call. `--transport amqp`: against raw amqplib doing oslo's broker work (raw-wire), both pairs
// running the benchmark's closed loop (scripts/lib/bench-node-{server,client}.mjs, after its
// warm-up) over one broker. `--transport embedded`: our launcher with 2 workers
// (scripts/lib/embedded-rpc-bench.mjs) against the raw node:cluster IPC ping-pong through the
// primary (raw-cluster-ipc.mjs); there the `client` worker also answers half the calls. Each
// process is sampled by `perf record -e cpu-clock` (a software clock: this machine has no hardware
// counters) with node's --perf-basic-prof, so JIT-compiled JavaScript has names. Samples are
// grouped (kernel, JSON, allocator, GC, V8 builtins and inline caches, our JavaScript,
// amqplib's, node's own, …) and printed as µs of CPU per call for each process (client, server,
// primary), with the difference; then the symbols that differ most.
//
// Sampled CPU time counts what runs, not what waits: a process that sleeps between calls is
// not charged for it, so the figures hold on a busy machine too (the calls/s do not).
//
//   npm run build && node scripts/bench-rpc-profile.mjs [--transport amqp|embedded] [--concurrency 1] [--seconds 5] [--top 15]
// Needs perf (Debian's linux-perf; scripts/system-deps.sh --bench installs it).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOOP_START_LINE } from './lib/closed-loop.mjs';
import { askBenchApp, childPids, embeddedPeer } from './lib/embedded-rpc-bench.mjs';
import { startPeer, stopPeer } from './lib/lifecycle-bench.mjs';
import { broker, nodeSide, startRpcServer } from './lib/rpc-pair.mjs';

const { values } = parseArgs({
  options: {
    transport: { type: 'string', default: 'amqp' },
    concurrency: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    top: { type: 'string', default: '15' },
  },
});
const transport = values.transport;
if (!['amqp', 'embedded'].includes(transport)) throw new Error('--transport is amqp or embedded');
/** What ours is compared with. */
const REFERENCE = transport === 'amqp' ? 'raw-wire' : 'raw IPC';
const RAW_IPC = fileURLToPath(new URL('./lib/raw-cluster-ipc.mjs', import.meta.url));
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
  const report = spawnSync('perf', ['report', '-i', file, '--no-children', '-g', 'none', '-n', '--sort', 'dso,sym', '--stdio'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
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

/** perf on `pid` for SAMPLE_SECONDS, into `file`; resolves when it has written it. */
function record(pid, file) {
  const perf = spawn(
    'perf',
    ['record', '-q', '-e', 'cpu-clock', '-F', String(SAMPLE_HZ), '-p', String(pid), '-o', file, '--', 'sleep', String(SAMPLE_SECONDS)],
    { stdio: 'ignore' },
  );
  return new Promise((resolve) => perf.once('exit', resolve));
}

/**
 * Sample each process of `roles` ({ client: pid, … }) from now on; resolves, once perf is
 * done, with each role's samples. The files and node's perf maps are removed.
 */
async function sampleRoles(roles) {
  const name = `/tmp/oslo-node-profile-${randomBytes(4).toString('hex')}`;
  const entries = Object.entries(roles);
  try {
    await Promise.all(entries.map(([role, pid]) => record(pid, `${name}-${role}.data`)));
    return Object.fromEntries(entries.map(([role]) => [role, samples(`${name}-${role}.data`)]));
  } finally {
    for (const [role, pid] of entries) {
      rmSync(`${name}-${role}.data`, { force: true });
      rmSync(`/tmp/perf-${pid}.map`, { force: true });
    }
  }
}

/** The last JSON line of a closed loop → { rate, calls in the sampled window }. */
const loopFigures = (result) => ({ rate: result.calls / result.seconds, calls: (result.calls * SAMPLE_SECONDS) / result.seconds });

/** Run a process to its end (resolves with its stdout); `onOutput` sees the text so far at each chunk. */
function runToEnd(argv, env, onOutput) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (chunk) => onOutput((out += chunk)));
  return {
    child,
    done: new Promise((resolve, reject) =>
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv[1]} exited ${code}`)))),
    ),
  };
}

/** One AMQP pair (bench-node-server/client.mjs in `mode`) under perf: client and server. */
async function profileAmqp(mode, url) {
  const side = nodeSide(mode);
  const topic = `profile-${randomBytes(4).toString('hex')}`;
  const withPerfMap = (argv) => [argv[0], '--perf-basic-prof', ...argv.slice(1)];
  const stopServer = await startRpcServer(withPerfMap(side.server(url, topic)));
  try {
    let sampled;
    const client = runToEnd(withPerfMap(side.client(url, topic, concurrency, seconds)), {}, (out) => {
      if (!sampled && out.includes(LOOP_START_LINE)) sampled = sampleRoles({ client: client.child.pid, server: stopServer.pid });
    });
    const out = await client.done;
    return { ...loopFigures(JSON.parse(out.trim().split('\n').pop())), roles: await sampled };
  } finally {
    await stopServer();
    rmSync(`/tmp/perf-${stopServer.pid}.map`, { force: true });
  }
}

/** The raw IPC ping-pong (raw-cluster-ipc.mjs) under perf: client, server and primary. */
async function profileRawIpc() {
  let sampled;
  const roleOf = (pid) => /RAW_IPC_ROLE=(\w+)/.exec(readFileSync(`/proc/${pid}/environ`, 'latin1').replaceAll('\0', '\n'))?.[1];
  const raw = runToEnd([process.execPath, '--perf-basic-prof', RAW_IPC, String(concurrency), String(seconds)], {}, (out) => {
    if (sampled || !out.includes(LOOP_START_LINE)) return;
    const workers = childPids(raw.child.pid);
    sampled = sampleRoles({ primary: raw.child.pid, ...Object.fromEntries(workers.map((pid) => [roleOf(pid), pid])) });
  });
  const out = await raw.done;
  return { ...loopFigures(JSON.parse(out.trim().split('\n').pop())), roles: await sampled };
}

/** Our launcher with the embedded transport (embedded-rpc-bench.mjs) under perf. */
async function profileEmbedded() {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-profile-'));
  const { server, port } = await startPeer(
    embeddedPeer({ embeddedSocket: join(dir, 'embedded.sock'), env: { NODE_OPTIONS: '--perf-basic-prof' } }),
  );
  try {
    await askBenchApp(port, `/warmup?c=${concurrency}`);
    const launcher = server.child.pid;
    const workers = childPids(launcher);
    // Which worker runs the loop is known at its end: sample both, name them after.
    const sampled = sampleRoles({ primary: launcher, ...Object.fromEntries(workers.map((pid) => [`w${pid}`, pid])) });
    const loop = await askBenchApp(port, `/bench?c=${concurrency}&s=${seconds}`);
    const byPid = await sampled;
    const roles = { primary: byPid.primary };
    for (const pid of workers) roles[pid === loop.pid ? 'client' : 'server'] = byPid[`w${pid}`];
    return { ...loopFigures(loop), roles };
  } finally {
    await stopPeer(server);
    rmSync(dir, { recursive: true, force: true });
  }
}

let reference;
let ours;
if (transport === 'embedded') {
  reference = await profileRawIpc();
  ours = await profileEmbedded();
} else {
  const found = broker();
  try {
    reference = await profileAmqp('raw-wire', found.url);
    ours = await profileAmqp('oslo', found.url);
  } finally {
    found.stop();
  }
}

/** A markdown table, as the other benchmarks print theirs. */
const table = (header, rows) => [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
const usPerCall = (run, n) => (n * 1e6) / SAMPLE_HZ / run.calls;
const fmt = (v) => v.toFixed(1);
const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);
const roles = Object.keys(ours.roles);
const names = [...new Set(roles.flatMap((role) => [...reference.roles[role].groups.keys(), ...ours.roles[role].groups.keys()]))];
const cell = (run, role, name) => usPerCall(run, run.roles[role].groups.get(name) ?? 0);
const figures = (name) =>
  roles.flatMap((role) => [cell(reference, role, name), cell(ours, role, name), cell(ours, role, name) - cell(reference, role, name)]);
const added = (row) => roles.reduce((total, _role, i) => total + row[3 * i + 2], 0);
const rows = names.map((name) => [name, ...figures(name)]).sort((a, b) => added(b.slice(1)) - added(a.slice(1)));
const total = [
  'total',
  ...roles.flatMap((role) => {
    const r = usPerCall(reference, sum(reference.roles[role].groups));
    const o = usPerCall(ours, sum(ours.roles[role].groups));
    return [r, o, o - r];
  }),
];
console.log(
  `CPU µs per RPC call by where it goes, ${transport}, c=${concurrency}, ${SAMPLE_SECONDS} s sampled at ${SAMPLE_HZ} Hz (perf cpu-clock), ${new Date().toISOString()}, node ${process.version}`,
);
console.log(
  `${REFERENCE} ${reference.rate.toFixed(0)} calls/s, ours ${ours.rate.toFixed(0)} calls/s (${(ours.rate / reference.rate).toFixed(2)}x; perf slows both)`,
);
console.log(
  table(
    ['where', ...roles.flatMap((role) => [`${role} ${REFERENCE}`, `${role} ours`, `${role} +`])],
    [...rows, total].map(([name, ...v]) => [name, ...v.map(fmt)]),
  ),
);

for (const role of roles) {
  const [a, b] = [reference.roles[role].symbols, ours.roles[role].symbols];
  const diff = (s) => usPerCall(ours, b.get(s) ?? 0) - usPerCall(reference, a.get(s) ?? 0);
  const top = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => diff(y) - diff(x)).slice(0, Number(values.top));
  console.log(`\n${role}: the ${top.length} symbols that cost ours most over ${REFERENCE} (µs/call: ${REFERENCE}, ours, +)`);
  console.log(
    table(
      ['symbol', REFERENCE, 'ours', '+'],
      top.map((s) => [s, fmt(usPerCall(reference, a.get(s) ?? 0)), fmt(usPerCall(ours, b.get(s) ?? 0)), fmt(diff(s))]),
    ),
  );
}
