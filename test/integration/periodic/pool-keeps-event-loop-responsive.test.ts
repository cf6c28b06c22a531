import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import digest, { type DigestResult } from '../../../pool-tasks/digest.js';
import { collectPeriodicTasks, periodicTask, type PeriodicTaskArgs } from '../../../src/periodic/periodic-task.js';
import { TaskPool } from '../../../src/periodic/pool.js';
import { PeriodicScheduler } from '../../../src/periodic/scheduler.js';

/** GET / and resolve with the round trip in ms. */
function timedGet(port: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    });
    req.on('error', reject);
    req.end();
  });
}

/** MiB that take about `targetMs` to hash here (measured inline, before the test starts). */
function calibrate(targetMs: number): number {
  const sample = digest({ mebibytes: 64 });
  return Math.max(64, Math.min(4096, Math.round((64 * targetMs) / Math.max(1, sample.ms))));
}

class HashingManager {
  result: DigestResult | undefined;

  constructor(readonly mebibytes: number) {}

  @periodicTask({ spacingSeconds: 3600, runImmediately: true, pool: 'digest' })
  async digest({ offload }: PeriodicTaskArgs): Promise<void> {
    this.result = await offload<DigestResult>({ mebibytes: this.mebibytes });
  }
}

test('while a periodic task hashes in the pool, HTTP on the same thread answers promptly', async (t) => {
  const server = createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  t.after(() => server.close());
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const pool = new TaskPool({ threads: 1 });
  t.after(() => pool.destroy());
  const manager = new HashingManager(calibrate(2500));
  const scheduler = new PeriodicScheduler({
    config: { periodic_enable: true, periodic_fuzzy_delay: 0, periodic_interval_max: 60 },
    tasks: collectPeriodicTasks(manager),
    pool,
  });
  scheduler.start();
  t.after(() => scheduler.stop({ timeoutMs: 5000 }));

  const latencies: number[] = [];
  const deadline = Date.now() + 15_000;
  while (scheduler.stats[0]?.running && Date.now() < deadline && latencies.length < 500) {
    latencies.push(await timedGet(port));
    await new Promise((resolve) => setTimeout(resolve, 20)); // a measurement: one request every 20 ms while the task hashes
  }
  const [row] = scheduler.stats;
  assert.equal(row?.failures, 0);
  assert.equal(row?.runs, 1, 'the hashing run finished within the bound');
  assert.equal(manager.result?.mebibytes, manager.mebibytes);
  assert.ok(latencies.length >= 10, `only ${latencies.length} requests were made while hashing`);
  const worst = Math.max(...latencies);
  assert.ok(worst < 200, `slowest request took ${worst.toFixed(1)} ms while hashing ${manager.result?.ms.toFixed(0)} ms`);
  t.diagnostic(`${latencies.length} requests during ${manager.result?.ms.toFixed(0)} ms of hashing, slowest ${worst.toFixed(1)} ms`);
});
