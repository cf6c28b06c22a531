#!/usr/bin/env node
// RPC calls/s and latency, side by side in one run, over one RabbitMQ broker:
//   raw amqplib with direct reply-to (the limit), Python oslo.messaging client → server,
//   raw amqplib doing only the broker work oslo's protocol requires (topic exchange, confirmed
//   requests, acked deliveries, confirmed mandatory replies to a reply queue: the best any
//   oslo-compatible RPC can do here), our client → our server, our client → Python server,
//   Python client → our server,
// each at concurrency 1 and 16 (every cell a fresh client process, SECONDS long, server in its
// own process). Prints a table with ratios against the limit (×limit), against the raw amqplib
// doing oslo's broker work (×wire) and against Python oslo (×python), and the CPU µs per call of
// the client, the server and the broker (/proc, over the client's loop; the broker's only when
// scripts/rabbitmq.sh runs it).
//
//   npm run build && node scripts/bench-rpc.mjs [--seconds 5] [--concurrency 1,16]
//
// The broker: $OSLO_NODE_TEST_TRANSPORT_URL, else .tmp/rabbitmq/url (scripts/rabbitmq.sh start),
// else a throwaway broker started (and stopped) by this script.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { broker, RPC_SIDES, runRpcClient, startRpcServer } from './lib/rpc-pair.mjs';

const root = new URL('../', import.meta.url).pathname;
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '1,16' } } });
const seconds = Number(values.seconds);
const levels = values.concurrency.split(',').map(Number);
if (!(seconds > 0) || levels.some((c) => !(c >= 1))) throw new Error('--seconds and --concurrency must be positive');
if (!existsSync(`${root}dist/src/rpc/server.js`)) throw new Error('build first: npm run build');

const cells = [
  ['raw amqplib direct reply-to (limit)', 'raw', 'raw'],
  ['Python oslo client → Python server', 'python', 'python'],
  ["raw amqplib, oslo's broker work", 'rawWire', 'rawWire'],
  ['our client → our server', 'ours', 'ours'],
  ['our client → Python server', 'ours', 'python'],
  ['Python client → our server', 'python', 'ours'],
];

const found = broker();
const results = new Map();
try {
  for (const [label, client, server] of cells) {
    const topic = `bench-${randomBytes(4).toString('hex')}`;
    const stop = await startRpcServer(RPC_SIDES[server].server(found.url, topic));
    try {
      for (const c of levels) {
        const r = await runRpcClient(RPC_SIDES[client].client(found.url, topic, c, seconds), seconds, {
          server: stop.pid,
          broker: found.pid,
        });
        const perCall = (ms) => (ms === undefined ? undefined : (ms * 1000) / r.calls);
        results.set(`${label}|${c}`, {
          ...r,
          rate: r.calls / r.seconds,
          cpu: [perCall(r.cpu_ms), perCall(r.server_cpu_ms), perCall(r.broker_cpu_ms)],
        });
        process.stderr.write(`${label}, c=${c}: ${(r.calls / r.seconds).toFixed(0)} calls/s${r.errors ? `, ${r.errors} errors` : ''}\n`);
      }
    } finally {
      await stop();
    }
  }
} finally {
  found.stop();
}

const fmt = (n, digits = 1) => (n == null ? '-' : n.toFixed(digits));
const header = [
  'pair',
  ...levels.flatMap((c) => [`c=${c} calls/s`, `p50 ms`, `p99 ms`, `×limit`, `×wire`, `×python`, 'CPU µs/call client/server/broker']),
];
const rows = cells.map(([label]) => [
  label,
  ...levels.flatMap((c) => {
    const r = results.get(`${label}|${c}`);
    const limit = results.get(`${cells[0][0]}|${c}`);
    const python = results.get(`${cells[1][0]}|${c}`);
    const wire = results.get(`${cells[2][0]}|${c}`);
    return [
      fmt(r.rate, 0),
      fmt(r.p50_ms, 2),
      fmt(r.p99_ms, 2),
      fmt(r.rate / limit.rate, 2),
      fmt(r.rate / wire.rate, 2),
      fmt(r.rate / python.rate, 2),
      r.cpu.map((v) => fmt(v)).join('/'),
    ];
  }),
]);
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => String(row[i]).length)));
const line = (row) => `| ${row.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
console.log(`RPC echo over RabbitMQ, ${seconds} s per cell, ${new Date().toISOString()}, node ${process.version}`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
