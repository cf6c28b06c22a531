import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LivenessCheck } from '../../../src/supervisor/liveness.js';
import type { WorkerHandle } from '../../../src/supervisor/worker-handle.js';
import { until } from '../../helpers/wait.js';

/** The part of a WorkerHandle the liveness check reads. */
function fakeHandle(slot: number, state: string, heardMsAgo: number) {
  const handle = {
    slot,
    state,
    hung: false,
    lastHeard: { at: performance.now() - heardMsAgo, activity: undefined },
    markHung() {
      handle.hung = true;
    },
  };
  return handle;
}

test('a serving worker silent past the timeout is declared once; starting, draining, spare and beating workers are not', async (t) => {
  const silent = fakeHandle(1, 'ready', 5000);
  const beating = fakeHandle(2, 'ready', 0);
  const starting = fakeHandle(3, 'starting', 5000);
  const draining = fakeHandle(4, 'stopping', 5000);
  const spare = fakeHandle(0, 'ready', 5000);
  const declared: number[] = [];
  const check = new LivenessCheck({
    timeoutMs: () => 400,
    handles: () => [silent, beating, starting, draining, spare] as unknown as WorkerHandle[],
    onSilent: (handle, silentMs) => {
      assert.ok(silentMs > 400);
      declared.push(handle.slot);
    },
  });
  t.after(() => check.stop());
  check.start();
  const beat = setInterval(() => (beating.lastHeard = { at: performance.now(), activity: undefined }), 20);
  t.after(() => clearInterval(beat));
  await until('the silent worker declared', () => declared.length > 0, { timeoutMs: 5000 });
  // Several more rounds (one every 80 ms): nobody else, and the silent one only once.
  await until('three more rounds', () => performance.now() - silent.lastHeard.at > 5000 + 400, { timeoutMs: 5000 });
  assert.deepEqual(declared, [1]);
  assert.equal(silent.hung, true);
  assert.equal(beating.hung, false);
});

test('worker_heartbeat_timeout 0 judges nobody', async (t) => {
  const silent = fakeHandle(1, 'ready', 60_000);
  const check = new LivenessCheck({
    timeoutMs: () => 0,
    handles: () => [silent] as unknown as WorkerHandle[],
    onSilent: () => assert.fail('judged with the check off'),
  });
  t.after(() => check.stop());
  check.start();
  await new Promise((resolve) => setTimeout(resolve, 1200)); // time itself is the subject: one idle round passes
  assert.equal(silent.hung, false);
});
