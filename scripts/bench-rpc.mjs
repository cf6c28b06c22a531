#!/usr/bin/env node
// RPC calls/s and latency, side by side in one run, over one RabbitMQ broker:
//   raw amqplib with direct reply-to (the limit), Python oslo.messaging client → server,
//   our client → our server, our client → Python server, Python client → our server,
// each at concurrency 1 and 16 (every cell a fresh client process, SECONDS long, server in its
// own process). Prints a table with ratios against the limit and against Python oslo.
//
//   npm run build && node scripts/bench-rpc.mjs [--seconds 5] [--concurrency 1,16]
//
// The broker: $OSLO_NODE_TEST_TRANSPORT_URL, else .tmp/rabbitmq/url (scripts/rabbitmq.sh start),
// else a throwaway broker started (and stopped) by this script.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const root = new URL('../', import.meta.url).pathname;
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '1,16' } } });
const seconds = Number(values.seconds);
const levels = values.concurrency.split(',').map(Number);
if (!(seconds > 0) || levels.some((c) => !(c >= 1))) throw new Error('--seconds and --concurrency must be positive');
if (!existsSync(`${root}dist/src/rpc/server.js`)) throw new Error('build first: npm run build');

const PYTHON = '/usr/bin/python3';
const PY_SERVER = `${root}test/fixtures/python/oslo_server.py`;
const PY_CLIENT = `${root}test/fixtures/python/oslo_client.py`;
const NODE_SERVER = `${root}scripts/lib/bench-node-server.mjs`;
const NODE_CLIENT = `${root}scripts/lib/bench-node-client.mjs`;

function brokerUrl() {
  if (process.env.OSLO_NODE_TEST_TRANSPORT_URL) return { url: process.env.OSLO_NODE_TEST_TRANSPORT_URL, started: false };
  const file = `${root}.tmp/rabbitmq/url`;
  const status = spawnSync(`${root}scripts/rabbitmq.sh`, ['status'], { encoding: 'utf8' });
  if (existsSync(file) && status.status === 0) return { url: readFileSync(file, 'utf8').trim(), started: false };
  const start = spawnSync(`${root}scripts/rabbitmq.sh`, ['start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (start.status !== 0) throw new Error('could not start a broker (scripts/rabbitmq.sh start)');
  return { url: start.stdout.trim(), started: true };
}

/** Spawn a server and resolve once it printed its ready line; returns a stop function. */
function startServer(command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`server did not start: ${stderr}`))), 30_000);
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
    child.stdout.on('data', (chunk) => {
      if (!/ready/.test(String(chunk))) return;
      clearTimeout(timer);
      resolve(() => new Promise((done) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => (clearTimeout(kill), done()));
        child.kill('SIGTERM');
      }));
    });
  });
}

function runClient(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: (seconds + 60) * 1000 });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`client failed (${result.status}): ${result.stderr.slice(-2000)}`);
  }
}

const sides = {
  raw: {
    server: (url, topic) => startServer(process.execPath, [NODE_SERVER, 'raw', url, topic]),
    client: (url, topic, c) => runClient(process.execPath, [NODE_CLIENT, 'raw', url, topic, String(c), String(seconds)]),
  },
  node: {
    server: (url, topic) => startServer(process.execPath, [NODE_SERVER, 'oslo', url, topic]),
    client: (url, topic, c) => runClient(process.execPath, [NODE_CLIENT, 'oslo', url, topic, String(c), String(seconds)]),
  },
  python: {
    server: (url, topic) => startServer(PYTHON, [PY_SERVER, url.replace(/^amqp:/, 'rabbit:'), topic, 'bench']),
    client: (url, topic, c) =>
      runClient(PYTHON, [PY_CLIENT, url.replace(/^amqp:/, 'rabbit:'),
        JSON.stringify([{ op: 'bench', topic, method: 'echo', args: { value: 1 }, concurrency: c, seconds, timeout: 30 }])]),
  },
};

const cells = [
  ['raw amqplib direct reply-to (limit)', 'raw', 'raw'],
  ['Python oslo client → Python server', 'python', 'python'],
  ['our client → our server', 'node', 'node'],
  ['our client → Python server', 'node', 'python'],
  ['Python client → our server', 'python', 'node'],
];

const { url, started } = brokerUrl();
const results = new Map();
try {
  for (const [label, client, server] of cells) {
    const topic = `bench-${randomBytes(4).toString('hex')}`;
    const stop = await sides[server].server(url, topic);
    try {
      for (const c of levels) {
        const r = sides[client].client(url, topic, c);
        results.set(`${label}|${c}`, { ...r, rate: r.calls / r.seconds });
        process.stderr.write(`${label}, c=${c}: ${(r.calls / r.seconds).toFixed(0)} calls/s${r.errors ? `, ${r.errors} errors` : ''}\n`);
      }
    } finally {
      await stop();
    }
  }
} finally {
  if (started) spawnSync(`${root}scripts/rabbitmq.sh`, ['stop'], { stdio: 'inherit' });
}

const fmt = (n, digits = 1) => (n == null ? '-' : n.toFixed(digits));
const header = ['pair', ...levels.flatMap((c) => [`c=${c} calls/s`, `p50 ms`, `p99 ms`, `×limit`, `×python`])];
const rows = cells.map(([label]) => [
  label,
  ...levels.flatMap((c) => {
    const r = results.get(`${label}|${c}`);
    const limit = results.get(`${cells[0][0]}|${c}`);
    const python = results.get(`${cells[1][0]}|${c}`);
    return [fmt(r.rate, 0), fmt(r.p50_ms, 2), fmt(r.p99_ms, 2), fmt(r.rate / limit.rate, 2), fmt(r.rate / python.rate, 2)];
  }),
]);
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => String(row[i]).length)));
const line = (row) => `| ${row.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
console.log(`RPC echo over RabbitMQ, ${seconds} s per cell, ${new Date().toISOString()}, node ${process.version}`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
