#!/usr/bin/env node
// CPU instructions per RPC call of the framework itself, counted by valgrind's callgrind: our
// RpcClient → RpcServer over a loopback transport (scripts/lib/rpc-loopback.mjs: bodies handed
// over in a microtask, as Buffers) against the same loop done by hand with plain JSON bodies, as
// raw-rpc.mjs's client and server do around amqplib. One process, no I/O: the count per call
// repeats whatever the machine's load, where calls/s and CPU time over a real broker move by
// 10-30 % on this shared 2-CPU machine (and so did callgrind counts of a client and server
// talking through RabbitMQ: how many event-loop turns a call takes depends on timing).
//
// A third row runs ours over the real embedded router and transports in the same process
// (rpc-loopback.mjs `embedded`: every batch of frames crosses as JSON text, as over node's IPC):
// the embedded transport's own work is its difference from the second row.
//
// Each side runs twice under callgrind after the same warm-up, with --calls and 5x --calls
// counted calls; the difference of the two totals divided by the difference of the call counts
// is the cost of one call, without start-up and warm-up. The broker and amqplib are not in it:
// `node scripts/bench-rpc-wire.mjs` prices those with CPU time.
//
// `--embedded-layers` counts the embedded row's parts instead (rpc-loopback.mjs): the embedded
// transport used by hand with the raw IPC ping-pong's small message, the same with the message
// our RPC layer sends, and the RPC layer itself. The steps between the rows are what oslo's
// message costs over the ping-pong's and what the RPC layer's code costs.
//
// Needs valgrind (sudo bash scripts/system-deps.sh --bench). About a minute per side on a quiet
// machine.
//   npm run build && node scripts/bench-rpc-instructions.mjs [--warmup 10000] [--calls 5000] [--concurrency 16] [--embedded-layers]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';

const { values: opts } = parseArgs({
  options: {
    warmup: { type: 'string', default: '10000' },
    calls: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '16' },
    'embedded-layers': { type: 'boolean', default: false },
  },
});
const LOOPBACK = fileURLToPath(new URL('./lib/rpc-loopback.mjs', import.meta.url));

/** Instructions of one whole run of rpc-loopback.mjs under callgrind. */
async function total(mode, calls) {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-rpc-callgrind-'));
  try {
    await execa('valgrind', [
      '--tool=callgrind',
      `--callgrind-out-file=${dir}/cg`,
      `--log-file=${dir}/valgrind.log`,
      process.execPath,
      '--expose-gc',
      LOOPBACK,
      mode,
      opts.warmup,
      String(calls),
      opts.concurrency,
    ]);
    const match = /^totals:\s+(\d+)/m.exec(readFileSync(join(dir, 'cg'), 'utf8'));
    if (!match) throw new Error(`no callgrind totals for ${mode}`);
    return Number(match[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!process.env.PATH.split(':').some((dir) => existsSync(join(dir, 'valgrind')))) {
  throw new Error('valgrind not found: sudo bash scripts/system-deps.sh --bench installs it');
}
const few = Number(opts.calls);
const many = few * 5;
console.log(
  `RPC echo in one process, c=${opts.concurrency}: ${opts.warmup} warm-up calls; instructions per call = (total at ${many} calls - total at ${few}) / ${many - few}`,
);
const ROWS = opts['embedded-layers']
  ? [
      ['embedded-ping-pong', 'embedded transport, ping-pong message'],
      ['embedded-oslo-message', "embedded transport, oslo's message"],
      ['embedded', 'RpcClient → RpcServer, embedded'],
    ]
  : [
      ['plain', 'by hand: JSON bodies, a map of calls'],
      ['oslo', 'ours: RpcClient → RpcServer'],
      ['embedded', 'ours over the embedded router'],
    ];
const results = {};
for (const [mode, label] of ROWS) {
  const perCall = ((await total(mode, many)) - (await total(mode, few))) / (many - few);
  results[mode] = Math.round(perCall);
  console.log(`  ${label.padEnd(38)} ${results[mode].toLocaleString('en').padStart(8)}`);
}
const plus = (a, b) => (results[b] - results[a]).toLocaleString('en');
if (opts['embedded-layers']) {
  console.log(
    `  => oslo's message over the ping-pong's: ${plus('embedded-ping-pong', 'embedded-oslo-message')}; the RPC layer's code: ${plus('embedded-oslo-message', 'embedded')} instructions per call`,
  );
} else {
  console.log(`  => ours - by hand: ${plus('plain', 'oslo')} instructions per call (the framework's own work)`);
}
console.log(JSON.stringify({ bench: 'rpc-instructions', concurrency: Number(opts.concurrency), results }));
