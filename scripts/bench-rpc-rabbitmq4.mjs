#!/usr/bin/env node
// RPC calls/s on RabbitMQ 4 (the trixie root's 4.0.5), ours against raw amqplib doing the same
// broker work, with quorum reply and topic queues (rabbit_quorum_queue +
// rabbit_transient_quorum_queue; raw-wire-quorum) and with classic ones (oslo's defaults;
// raw-wire), at concurrency 1 and 16, in one run. Every cell a fresh client process, the server
// in its own process (scripts/lib/bench-node-{server,client}.mjs).
//
//   npm run build && node scripts/bench-rpc-rabbitmq4.mjs [--seconds 3] [--concurrency 1,16]
//
// The broker: a private RabbitMQ 4 (scripts/rabbitmq.sh --rabbitmq4 in .tmp/rabbitmq4-bench),
// started and stopped here, with transient queues permitted (4.0's default) so that the classic
// rows can run on the same broker as the quorum ones.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nodeSide, runRpcClient, startRpcServer } from './lib/rpc-pair.mjs';

const root = new URL('../', import.meta.url).pathname;
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '1,16' } } });
const seconds = Number(values.seconds);
const levels = values.concurrency.split(',').map(Number);
if (!(seconds > 0) || levels.some((c) => !(c >= 1))) throw new Error('--seconds and --concurrency must be positive');
if (!existsSync(`${root}dist/src/rpc/server.js`)) throw new Error('build first: npm run build');

const dir = `${root}.tmp/rabbitmq4-bench`;
const env = { ...process.env, OSLO_NODE_RABBITMQ_DIR: dir, OSLO_NODE_RABBITMQ_PERMIT_TRANSIENT: '1' };
const rabbitmq = (command) => spawnSync('bash', [`${root}scripts/rabbitmq.sh`, '--rabbitmq4', command], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 180_000 });
const started = rabbitmq('start');
if (started.status !== 0) throw new Error('scripts/rabbitmq.sh --rabbitmq4 start failed (sudo bash scripts/trixie-root.sh first?)');
const url = started.stdout.trim().split('\n').pop();
const brokerPid = () => {
  try {
    const env2 = readFileSync(`${dir}/env`, 'utf8');
    const hostDir = /HOST_DIR=(.*)/.exec(env2)?.[1]?.replace(/^'|'$/g, '');
    return hostDir ? Number(readFileSync(`${hostDir}/server.erlpid`, 'utf8').trim()) || undefined : undefined;
  } catch {
    return undefined;
  }
};

const rows = [
  ['classic', "raw amqplib, oslo's broker work", 'raw-wire'],
  ['classic', 'ours', 'oslo'],
  ['quorum', "raw amqplib, oslo's broker work", 'raw-wire-quorum'],
  ['quorum', 'ours', 'oslo-quorum'],
];
const results = new Map();
try {
  for (const [queues, label, mode] of rows) {
    const side = nodeSide(mode);
    const topic = `bench4-${randomBytes(4).toString('hex')}`;
    const stop = await startRpcServer(side.server(url, topic));
    try {
      for (const c of levels) {
        const r = await runRpcClient(side.client(url, topic, c, seconds), seconds, { server: stop.pid, broker: brokerPid() });
        results.set(`${queues}|${label}|${c}`, r.calls / r.seconds);
        process.stderr.write(`${queues} queues, ${label}, c=${c}: ${(r.calls / r.seconds).toFixed(0)} calls/s${r.errors ? `, ${r.errors} errors` : ''}\n`);
      }
    } finally {
      await stop();
    }
  }
} finally {
  rabbitmq('stop');
}

const lines = ['| queues | c | raw amqplib calls/s | ours calls/s | ours / raw |', '|---|---|---|---|---|'];
for (const queues of ['classic', 'quorum']) {
  for (const c of levels) {
    const raw = results.get(`${queues}|raw amqplib, oslo's broker work|${c}`);
    const ours = results.get(`${queues}|ours|${c}`);
    lines.push(`| ${queues} | ${c} | ${raw.toFixed(0)} | ${ours.toFixed(0)} | ${(ours / raw).toFixed(2)}x |`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
