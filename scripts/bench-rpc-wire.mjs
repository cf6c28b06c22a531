#!/usr/bin/env node
// Where an oslo-compatible RPC's time goes on the broker: raw amqplib RPC (scripts/lib/raw-rpc.mjs)
// with no feature (the direct reply-to limit), with each piece of broker work oslo's protocol
// asks for on its own, with all of them (raw-wire), and ours (RpcClient → RpcServer), in one run.
// Per row: calls/s, its ratio to the limit, and CPU µs per call of the client, the server and
// the broker (the broker only when scripts/rabbitmq.sh runs it), over the client's loop only.
// Rounds alternate the rows and the median of each row is printed.
//
//   npm run build && node scripts/bench-rpc-wire.mjs [--seconds 4] [--concurrency 16] [--rounds 3]
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { WIRE_FEATURES } from './lib/raw-rpc.mjs';
import { broker, nodeSide, RPC_SIDES, runRpcClient, startRpcServer } from './lib/rpc-pair.mjs';
import { median } from './lib/proc.mjs';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
if (!(seconds > 0) || !(concurrency >= 1) || !(rounds >= 1)) throw new Error('--seconds, --concurrency and --rounds must be positive');
if (!existsSync(new URL('../dist/src/rpc/server.js', import.meta.url))) throw new Error('build first: npm run build');

const rows = [
  ['limit: direct reply-to, nothing else', RPC_SIDES.raw],
  ...WIRE_FEATURES.map((feature) => [`+ ${feature}`, nodeSide(`raw:${feature}`)]),
  ["raw-wire: all of oslo's broker work", RPC_SIDES.rawWire],
  ['ours: RpcClient → RpcServer', RPC_SIDES.ours],
];

const found = broker();
const samples = new Map(rows.map(([label]) => [label, []]));
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [label, side] of rows) {
      const topic = `bench-wire-${randomBytes(4).toString('hex')}`;
      const stop = await startRpcServer(side.server(found.url, topic));
      try {
        const r = await runRpcClient(side.client(found.url, topic, concurrency, seconds), seconds, { server: stop.pid, broker: found.pid });
        const perCall = (ms) => (ms === undefined ? undefined : (ms * 1000) / r.calls);
        samples.get(label).push({
          rate: r.calls / r.seconds,
          client: perCall(r.cpu_ms),
          server: perCall(r.server_cpu_ms),
          broker: perCall(r.broker_cpu_ms),
        });
        process.stderr.write(`round ${round}, ${label}: ${(r.calls / r.seconds).toFixed(0)} calls/s\n`);
      } finally {
        await stop();
      }
    }
  }
} finally {
  found.stop();
}

const med = (label, key) => {
  const values = samples
    .get(label)
    .map((s) => s[key])
    .filter((v) => v !== undefined);
  return values.length ? median(values) : undefined;
};
const fmt = (n, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));
const limit = med(rows[0][0], 'rate');
console.log(
  `RPC echo, c=${concurrency}, ${seconds} s per cell, median of ${rounds} rounds, ${new Date().toISOString()}, node ${process.version}`,
);
console.log('| row | calls/s | ×limit | client µs/call | server µs/call | broker µs/call |');
console.log('|---|---|---|---|---|---|');
for (const [label] of rows) {
  const rate = med(label, 'rate');
  console.log(
    `| ${label} | ${fmt(rate, 0)} | ${fmt(rate / limit, 2)} | ${fmt(med(label, 'client'))} | ${fmt(med(label, 'server'))} | ${fmt(med(label, 'broker'))} |`,
  );
}
