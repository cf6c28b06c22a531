import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import { type ScaleHost, scaleTo } from '../../../src/supervisor/scale.js';
import type { WorkerHandle } from '../../../src/supervisor/worker-handle.js';
import { fakeHandle } from './fakes.js';

/** A host serving `slots`; its calls are written to `events`. */
function host(slots: number[], ready: (handle: WorkerHandle) => boolean = () => true) {
  const events: string[] = [];
  const scaleHost: ScaleHost = {
    logger: silentLogger(),
    slots: () => [...slots],
    startSlot: (slot) => {
      events.push(`start ${slot}`);
      return fakeHandle(slot);
    },
    waitReady: async (handle) => ready(handle),
    retireSlot: (slot) => {
      events.push(`retire ${slot}`);
      return fakeHandle(slot);
    },
    boundedExit: async (handle, timeoutMs) => {
      events.push(`exit ${handle.slot} ${timeoutMs}`);
    },
  };
  return { scaleHost, events };
}

test('growing starts the slots after the highest and succeeds once they serve', async () => {
  const { scaleHost, events } = host([2, 1]);
  assert.deepEqual(await scaleTo(scaleHost, 4, 1000), { ok: true });
  assert.deepEqual(events, ['start 3', 'start 4']);
});

test('a new slot that does not serve fails the change, naming the slot', async () => {
  const { scaleHost } = host([1], (handle) => handle.slot !== 3);
  const result = await scaleTo(scaleHost, 3, 1000);
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /worker slot 3 did not become ready/);
});

test('shrinking retires the highest slots and waits for them to drain', async () => {
  const { scaleHost, events } = host([3, 1, 2]);
  assert.deepEqual(await scaleTo(scaleHost, 1, 5000), { ok: true });
  assert.deepEqual(events, ['retire 2', 'retire 3', 'exit 2 5000', 'exit 3 5000']);
});
