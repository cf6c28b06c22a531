/**
 * SIGTERM while 100 slow HTTP requests and 20 long RPC calls are in flight (after a spell of
 * steady load): every one of them completes with its answer, and the launcher exits 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { startHttpLoad, startLoop, summary } from '../../helpers/fault-load.js';
import { until } from '../../helpers/wait.js';
import { embeddedClient } from '../../helpers/fault-rpc.js';
import { fixturePath, startLauncher } from '../../helpers/launcher.js';

const SLOW_MS = 3000;
const SLEEP_SECONDS = 3;

test('SIGTERM with 100 slow requests and 20 long RPC calls in flight: all complete, exit 0', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-faults-term-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'embedded.sock');
  const launcher = await startLauncher([
    '--workers',
    '2',
    '--app',
    fixturePath('apps/logging-slow-app.js'),
    '--manager',
    fixturePath('managers/logging-sleep-manager.js'),
    '--binary',
    'demo', // a DemoManager subclass, called on the demo's topic
    '--embedded-socket',
    socket,
    '--graceful-shutdown-timeout',
    '20',
    '--no-access-log',
  ]);
  t.after(() => launcher.kill());
  const client = await embeddedClient(t, socket, 30);

  const http = startHttpLoad('steady http before the stop', launcher.port, [{ path: '/fast' }], { concurrency: 2, maxMs: 30_000 });
  const rpc = startLoop(
    'steady rpc before the stop',
    async (_lane, n) => {
      if ((await client.call({}, 'echo', { value: n })) !== n) throw new Error('wrong echo');
    },
    { concurrency: 1, maxMs: 30_000 },
  );
  t.after(() => Promise.all([http.stop(), rpc.stop()]));
  await until('steady traffic', () => http.tally.ok >= 200 && rpc.tally.ok >= 50, { timeoutMs: 10_000 });

  const started = (msg: string): number => launcher.lines.filter((line) => line.msg === msg).length;
  const slow = Array.from({ length: 100 }, () =>
    httpGet(launcher.port, `/slow?ms=${SLOW_MS}`, { timeoutMs: 30_000 }).then(
      (result) => ({ ok: result.status === 200, detail: `${result.status} connection: ${result.headers.connection}` }),
      (error: Error) => ({ ok: false, detail: error.message }),
    ),
  );
  const calls = Array.from({ length: 20 }, () =>
    client.call({}, 'sleep', { seconds: SLEEP_SECONDS }).then(
      (result) => ({ ok: result === SLEEP_SECONDS, detail: JSON.stringify(result) }),
      (error: Error) => ({ ok: false, detail: `${error.name}: ${error.message}` }),
    ),
  );
  await launcher.waitForLine(
    () => started('slow request started') >= 100 && started('sleep call started') >= 20,
    15_000,
    '100 slow requests and 20 sleep calls in flight',
  );
  const tallies = [await http.stop(), await rpc.stop()];

  const signalled = performance.now();
  process.kill(launcher.pid, 'SIGTERM');
  const [requests, rpcCalls, exit] = await Promise.all([Promise.all(slow), Promise.all(calls), launcher.exited]);
  const exitMs = performance.now() - signalled;

  for (const tally of tallies) console.log(summary(tally));
  const failedRequests = requests.filter((r) => !r.ok);
  const failedCalls = rpcCalls.filter((r) => !r.ok);
  console.log(`# slow requests in flight at SIGTERM: 100 sent, ${100 - failedRequests.length} answered, ${failedRequests.length} failed`);
  console.log(`# long RPC calls in flight at SIGTERM: 20 sent, ${20 - failedCalls.length} answered, ${failedCalls.length} failed`);
  console.log(`# launcher exit code ${exit.code} ${exitMs.toFixed(0)} ms after SIGTERM`);

  assert.deepEqual(failedRequests, [], 'every slow request is answered');
  assert.ok(
    requests.every((r) => r.detail === '200 connection: close'),
    'answered with Connection: close',
  );
  assert.deepEqual(failedCalls, [], 'every long RPC call returns its result');
  assert.equal(exit.code, 0);
  for (const tally of tallies) assert.equal(tally.failed, 0, `${tally.name}: ${tally.errors.join('; ')}`);
  assert.ok(launcher.lines.some((line) => line.msg === 'all workers stopped; exiting 0'));
});
