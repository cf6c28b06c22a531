#!/usr/bin/env node
// RPC calls/s on RabbitMQ 4 (the trixie root's 4.0.5), ours against raw amqplib doing the same
// broker work, with quorum reply and topic queues (rabbit_quorum_queue +
// rabbit_transient_quorum_queue; raw-wire-quorum) and with classic ones (oslo's defaults;
// raw-wire), at concurrency 1 and 16, in one run. Every cell a fresh client process, the server
// in its own process (scripts/lib/bench-node-{server,client}.mjs). With --rounds N the cells
// run N times, raw and ours alternating first, and the table shows medians; every row also
// gives the CPU µs per call of the client, the server and the broker (/proc, over the client's
// loop), which the machine's load moves much less than calls/s.
//
//   npm run build && node scripts/bench-rpc-rabbitmq4.mjs [--seconds 3] [--concurrency 1,16] [--rounds 1]
//
// The broker: a private RabbitMQ 4 (scripts/rabbitmq.sh --rabbitmq4 in .tmp/rabbitmq4-bench),
// started and stopped here, with transient queues permitted (4.0's default) so that the classic
// rows can run on the same broker as the quorum ones.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { median } from './lib/proc.mjs';
import { nodeSide, runRpcClient, startRpcServer } from './lib/rpc-pair.mjs';

const root = new URL('../', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,16' },
    rounds: { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const levels = values.concurrency.split(',').map(Number);
if (!(seconds > 0) || levels.some((c) => !(c >= 1))) throw new Error('--seconds and --concurrency must be positive');
if (!existsSync(`${root}dist/src/rpc/server.js`)) throw new Error('build first: npm run build');

const dir = `${root}.tmp/rabbitmq4-bench`;
const env = { ...process.env, OSLO_NODE_RABBITMQ_DIR: dir, OSLO_NODE_RABBITMQ_PERMIT_TRANSIENT: '1' };
const rabbitmq = (command) =>
  spawnSync('bash', [`${root}scripts/rabbitmq.sh`, '--rabbitmq4', command], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 180_000,
  });
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
const RAW = rows[0][1];
/** `${queues}|${label}|${c}` → one { rate, cpu: [client, server, broker] µs per call } per round. */
const results = new Map();
try {
  for (let round = 0; round < rounds; round++) {
    for (const queues of ['classic', 'quorum']) {
      const pair = rows.filter((row) => row[0] === queues);
      for (const [, label, mode] of round % 2 ? pair.reverse() : pair) {
        const side = nodeSide(mode);
        const topic = `bench4-${randomBytes(4).toString('hex')}`;
        const stop = await startRpcServer(side.server(url, topic));
        try {
          for (const c of levels) {
            const r = await runRpcClient(side.client(url, topic, c, seconds), seconds, { server: stop.pid, broker: brokerPid() });
            const perCall = (ms) => (ms === undefined ? undefined : (ms * 1000) / r.calls);
            const key = `${queues}|${label}|${c}`;
            results.set(key, [
              ...(results.get(key) ?? []),
              { rate: r.calls / r.seconds, cpu: [perCall(r.cpu_ms), perCall(r.server_cpu_ms), perCall(r.broker_cpu_ms)] },
            ]);
            process.stderr.write(
              `round ${round + 1}, ${queues} queues, ${label}, c=${c}: ${(r.calls / r.seconds).toFixed(0)} calls/s${r.errors ? `, ${r.errors} errors` : ''}\n`,
            );
          }
        } finally {
          await stop();
        }
      }
    }
  }
} finally {
  rabbitmq('stop');
}

const rate = (key) => median(results.get(key).map((r) => r.rate));
const cpu = (key) =>
  [0, 1, 2]
    .map((i) => {
      const values = results
        .get(key)
        .map((r) => r.cpu[i])
        .filter((v) => v !== undefined);
      return values.length ? median(values).toFixed(1) : '-';
    })
    .join(' / ');
const lines = [
  `RPC echo on RabbitMQ 4, ${seconds} s per cell, ${rounds === 1 ? 'one round' : `medians of ${rounds} rounds`}, ${new Date().toISOString()}, node ${process.version}`,
  '| queues | c | raw amqplib calls/s | ours calls/s | ours / raw | CPU µs/call raw: client / server / broker | ours: client / server / broker |',
  '|---|---|---|---|---|---|---|',
];
for (const queues of ['classic', 'quorum']) {
  for (const c of levels) {
    const raw = `${queues}|${RAW}|${c}`;
    const ours = `${queues}|ours|${c}`;
    // The ratio of each round's pair, then the median: a round's load hits both of its cells.
    const ratio = median(results.get(ours).map((r, i) => r.rate / results.get(raw)[i].rate));
    lines.push(
      `| ${queues} | ${c} | ${rate(raw).toFixed(0)} | ${rate(ours).toFixed(0)} | ${ratio.toFixed(2)}x | ${cpu(raw)} | ${cpu(ours)} |`,
    );
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
