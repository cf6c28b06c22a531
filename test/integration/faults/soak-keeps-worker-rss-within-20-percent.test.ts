/**
 * A soak at steady HTTP and RPC load for OSLO_NODE_SOAK_SECONDS (default 120): no request or
 * call fails, and each worker's RSS at the end is within 20 % of its RSS after warm-up. Runs on
 * RabbitMQ when a broker is configured (always in CI), else on the embedded transport.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brokerUrl, withBroker } from '../../helpers/broker.js';
import { demoRpcRoutes, rssKiB, startHttpLoad, startLoop, summary, type Loop } from '../../helpers/fault-load.js';
import { delay, measureFor } from '../../helpers/wait.js';
import { amqpClient, embeddedClient } from '../../helpers/fault-rpc.js';
import { startLauncher } from '../../helpers/launcher.js';
import type { RpcClient } from '../../../src/rpc/client.js';

const SOAK_SECONDS = Number(process.env.OSLO_NODE_SOAK_SECONDS ?? 120);
// RSS climbs for the first ~40 s of load (JIT, heap growth to its working size) before it levels off.
const WARMUP_SECONDS = Math.min(45, Math.max(5, SOAK_SECONDS / 2));
const GROWTH_LIMIT = 1.2;

/** Mean of three RSS samples 500 ms apart, per pid. */
async function sampleRss(pids: number[]): Promise<number[]> {
  const samples = await measureFor('worker RSS', 1000, () => pids.map(rssKiB), { intervalMs: 500 });
  return pids.map((_, j) => Math.round(samples.reduce((sum, sample) => sum + sample[j]!, 0) / samples.length));
}

test(`soak at steady HTTP + RPC load for ${SOAK_SECONDS} s: no failure, worker RSS within 20 % of warm-up`, {
  timeout: (SOAK_SECONDS + WARMUP_SECONDS + 90) * 1000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-faults-soak-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Over RabbitMQ when a broker is configured (required in CI), else over the embedded transport.
  const url = brokerUrl() === undefined && process.env.CI !== 'true' ? undefined : await withBroker(t);
  const exchange = `faults_soak_${process.pid}`;
  const socket = join(dir, 'embedded.sock');
  const transport = url ? ['--transport-url', url, '--control-exchange', exchange] : ['--embedded-socket', socket];
  // The demo's periodic digest (16 MiB hashed in the pool every 60 s) swings the RSS of the worker
  // that runs it by ±20 MiB: off, so the soak measures the request and call paths.
  const launcher = await startLauncher([
    '--workers',
    '2',
    ...transport,
    '--digest-spacing',
    '0',
    '--report-interval',
    '1',
    '--graceful-shutdown-timeout',
    '5',
    '--no-access-log',
  ]);
  t.after(() => launcher.kill());
  const pids = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  const client: RpcClient = url ? (await amqpClient(t, url, exchange)).client : await embeddedClient(t, socket);

  const maxMs = (SOAK_SECONDS + WARMUP_SECONDS + 30) * 1000;
  const loads: Loop[] = [
    startHttpLoad('http /healthz', launcher.port, [{ path: '/healthz' }], { concurrency: 2, maxMs, pauseMs: 2 }),
    startHttpLoad('rpc via the workers', launcher.port, demoRpcRoutes(), { concurrency: 2, maxMs, pauseMs: 2 }),
    startLoop(
      'rpc calls from an outside client',
      async (_lane, n) => {
        const value = { n, text: 'soak'.repeat(50) };
        const result = (await client.call({}, 'echo', { value })) as { n?: number };
        if (result?.n !== n) throw new Error('wrong echo');
      },
      { concurrency: 1, maxMs, pauseMs: 2 },
    ),
  ];
  t.after(() => Promise.all(loads.map((load) => load.stop())));

  await delay(WARMUP_SECONDS * 1000); // time is the subject: the soak's warm-up
  const warm = await sampleRss(pids);
  const samples: number[][] = [warm];
  const end = performance.now() + SOAK_SECONDS * 1000;
  while (performance.now() < end) {
    await delay(Math.min(10_000, Math.max(0, end - performance.now()))); // time is the subject: a sample every 10 s of the soak
    samples.push(pids.map(rssKiB));
  }
  const last = await sampleRss(pids);
  await Promise.all(loads.map((load) => load.stop()));

  console.log(`# soak on the ${url ? 'RabbitMQ' : 'embedded'} transport: ${WARMUP_SECONDS} s warm-up, ${SOAK_SECONDS} s soak`);
  for (const load of loads) console.log(summary(load.tally));
  pids.forEach((pid, i) => {
    const series = samples.map((row) => row[i]!);
    console.log(
      `# worker ${pid} RSS KiB: after warm-up ${warm[i]}, end ${last[i]} (${((last[i]! / warm[i]! - 1) * 100).toFixed(1)} %), min ${Math.min(...series)}, max ${Math.max(...series)}; every 10 s: ${series.join(' ')}`,
    );
  });

  assert.ok(!launcher.lines.some((line) => line.msg === 'worker died unexpectedly'), 'no worker died');
  for (const load of loads) {
    assert.equal(load.tally.failed, 0, `${load.tally.name}: ${load.tally.errors.join('; ')}`);
    assert.ok(load.tally.ok > SOAK_SECONDS * 5, `${load.tally.name}: only ${load.tally.ok} answered`);
  }
  pids.forEach((pid, i) => {
    assert.ok(last[i]! <= warm[i]! * GROWTH_LIMIT, `worker ${pid}: RSS ${last[i]} KiB at the end, ${warm[i]} KiB after warm-up`);
  });
});
