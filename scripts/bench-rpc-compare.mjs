#!/usr/bin/env node
// Two builds of oslo-node against each other over one broker: CPU µs per call of client, server
// and broker (and calls/s), rounds alternating the two, medians. For a before/after measurement
// on a busy machine, where one run of each says little. ROOT_A and ROOT_B are built checkouts
// (each with dist/ and scripts/; e.g. `git archive main | tar -x -C /tmp/before`, then
// `npx tsc -p tsconfig.json` there with node_modules linked).
//
//   node scripts/bench-rpc-compare.mjs ROOT_A ROOT_B [oslo|raw-wire|raw] [CONCURRENCY 16] [SECONDS 4] [ROUNDS 6]
import { randomBytes } from 'node:crypto';
import { median } from './lib/proc.mjs';
import { broker, runRpcClient, startRpcServer } from './lib/rpc-pair.mjs';

const [a, b, mode = 'oslo', c = '16', s = '4', rounds = '6'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: bench-rpc-compare.mjs ROOT_A ROOT_B [MODE] [CONCURRENCY] [SECONDS] [ROUNDS]');
  process.exit(2);
}
const found = broker();
const samples = { [a]: [], [b]: [] };
try {
  for (let round = 0; round < Number(rounds); round++) {
    for (const root of round % 2 ? [b, a] : [a, b]) {
      const topic = `compare-${randomBytes(4).toString('hex')}`;
      const stop = await startRpcServer([process.execPath, `${root}/scripts/lib/bench-node-server.mjs`, mode, found.url, topic]);
      try {
        const r = await runRpcClient(
          [process.execPath, `${root}/scripts/lib/bench-node-client.mjs`, mode, found.url, topic, c, s],
          Number(s),
          { server: stop.pid, broker: found.pid },
        );
        const per = (ms) => (ms === undefined ? NaN : (ms * 1000) / r.calls);
        samples[root].push({
          rate: r.calls / r.seconds,
          client: per(r.cpu_ms),
          server: per(r.server_cpu_ms),
          broker: per(r.broker_cpu_ms),
        });
      } finally {
        await stop();
      }
    }
  }
} finally {
  found.stop();
}
console.log(`${mode} c=${c}, ${s} s per cell, median of ${rounds} alternating rounds, ${new Date().toISOString()}`);
for (const root of [a, b]) {
  const m = (key) => median(samples[root].map((x) => x[key]));
  const both = samples[root].map((x) => x.client + x.server);
  console.log(
    `${root}: ${m('rate').toFixed(0)} calls/s; CPU µs/call client ${m('client').toFixed(1)}, server ${m('server').toFixed(1)}, client + server ${median(both).toFixed(1)} (rounds ${both.map((v) => v.toFixed(0)).join(' ')}), broker ${m('broker').toFixed(1)}`,
  );
}
