import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import { type ReloadHost, rollingRestart } from '../../../src/supervisor/reload.js';
import type { WorkerHandle } from '../../../src/supervisor/worker-handle.js';
import { fakeHandle } from './fakes.js';

/** A host whose calls are written to `events`; `ready(handle)` and `still()` decide the outcome. */
function host(olds: WorkerHandle[], ready: (fresh: WorkerHandle) => boolean, still: () => boolean = () => true) {
  const events: string[] = [];
  const reloadHost: ReloadHost = {
    logger: silentLogger(),
    slots: () => olds.map((old) => [old.slot, old]),
    spawn: (slot, restarts) => {
      events.push(`spawn ${slot} restarts=${restarts}`);
      return fakeHandle(slot, restarts);
    },
    waitReady: async (fresh) => {
      events.push(`wait ${fresh.slot}`);
      return ready(fresh);
    },
    swap: (slot, fresh, old) => events.push(`swap ${slot} ${fresh !== old}`),
    boundedExit: async (old, timeoutMs) => {
      events.push(`exit ${old.slot} ${timeoutMs}`);
    },
    stillReloading: still,
  };
  return { reloadHost, events };
}

test('each slot in turn: the replacement serves before the old worker drains', async () => {
  const { reloadHost, events } = host([fakeHandle(1, 2), fakeHandle(2)], () => true);
  assert.equal(await rollingRestart(reloadHost, 30_000), 'complete');
  assert.deepEqual(events, [
    'spawn 1 restarts=2',
    'wait 1',
    'swap 1 true',
    'exit 1 30000',
    'spawn 2 restarts=0',
    'wait 2',
    'swap 2 true',
    'exit 2 30000',
  ]);
});

test('a replacement that never serves aborts the reload; the old worker keeps its slot', async () => {
  const { reloadHost, events } = host([fakeHandle(1), fakeHandle(2)], (fresh) => fresh.slot !== 1);
  assert.equal(await rollingRestart(reloadHost, 1000), 'aborted');
  assert.deepEqual(events, ['spawn 1 restarts=0', 'wait 1']);
});

test('a stop that begins while a replacement starts interrupts before the swap', async () => {
  let stopping = false;
  const { reloadHost, events } = host(
    [fakeHandle(1), fakeHandle(2)],
    () => {
      stopping = true;
      return true;
    },
    () => !stopping,
  );
  assert.equal(await rollingRestart(reloadHost, 1000), 'interrupted');
  assert.deepEqual(events, ['spawn 1 restarts=0', 'wait 1']);
});
