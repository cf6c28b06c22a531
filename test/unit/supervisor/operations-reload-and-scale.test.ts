import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/options.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { Operations, type OperationsHost } from '../../../src/supervisor/operations.js';
import type { SupervisorState } from '../../../src/supervisor/supervisor-options.js';
import type { WorkerHandle } from '../../../src/supervisor/worker-handle.js';
import { fakeHandle } from './fakes.js';

interface FakeOptions {
  workers?: number;
  /** What a re-read of the configuration files gives (or throws). */
  reread?: () => Config;
  /** Held until released: lets a test act while an operation runs. */
  readyGate?: Promise<void>;
}

/** An OperationsHost over a map of fake handles; every call is written to `events`. */
function fakeHost(options: FakeOptions = {}) {
  const events: string[] = [];
  const base = loadConfig([], {}).config;
  let config: Config = Object.freeze({ ...base, workers: options.workers ?? 2 });
  let state: SupervisorState = 'running';
  const current = new Map<number, WorkerHandle>();
  for (let slot = 1; slot <= config.workers; slot++) current.set(slot, fakeHandle(slot));
  const host: OperationsHost = {
    logger: silentLogger(),
    config: () => config,
    setConfig: (next) => {
      config = next;
    },
    reloadConfig: options.reread,
    state: () => state,
    setState: (next) => {
      events.push(`state ${next}`);
      state = next;
    },
    current: () => current,
    spawn: (slot, restarts) => {
      events.push(`spawn ${slot}`);
      return fakeHandle(slot, restarts);
    },
    startSlot: (slot) => {
      events.push(`start ${slot}`);
      const handle = fakeHandle(slot);
      current.set(slot, handle);
      return handle;
    },
    waitReady: async () => {
      await options.readyGate;
      return true;
    },
    swap: (slot, fresh) => {
      events.push(`swap ${slot}`);
      current.set(slot, fresh);
    },
    retireSlot: (slot) => {
      events.push(`retire ${slot}`);
      const handle = current.get(slot);
      current.delete(slot);
      return handle;
    },
    boundedExit: async () => {},
    retireSpare: () => events.push('retire spare'),
  };
  return { host, events, config: () => config, setState: (next: SupervisorState) => (state = next) };
}

test('a reload retires the spare, replaces every worker and keeps the options bound at start', async () => {
  const port = loadConfig([], {}).config.port;
  const fake = fakeHost({ reread: () => Object.freeze({ ...fake.config(), port: port + 1, graceful_shutdown_timeout: 7 }) });
  const operations = new Operations(fake.host);
  assert.deepEqual(await operations.reload(), { ok: true });
  assert.deepEqual(fake.events, ['state reloading', 'retire spare', 'spawn 1', 'swap 1', 'spawn 2', 'swap 2', 'state running']);
  assert.equal(fake.config().port, port, 'the listening socket is bound once');
  assert.equal(fake.config().graceful_shutdown_timeout, 7, 'the other options are taken');
});

test('a reload with an invalid configuration changes nothing and says why', async () => {
  const fake = fakeHost({
    reread: () => {
      throw new Error('workers must be at least 1');
    },
  });
  const result = await new Operations(fake.host).reload();
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /configuration is invalid: .*workers must be at least 1/);
  assert.deepEqual(fake.events, ['state reloading', 'state running']);
});

test('reloads asked for while one runs join one queued reload', async () => {
  let release = (): void => {};
  const readyGate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const fake = fakeHost({ workers: 1, readyGate });
  const operations = new Operations(fake.host);
  const first = operations.reload();
  await new Promise((resolve) => setImmediate(resolve)); // let the first one start (it now waits at the gate)
  const second = operations.reload();
  const third = operations.reload();
  assert.equal(second, third);
  release();
  assert.deepEqual(await Promise.all([first, second, third]), [{ ok: true }, { ok: true }, { ok: true }]);
  assert.equal(fake.events.filter((event) => event === 'spawn 1').length, 2, 'two rolling restarts, not three');
});

test('scale records the new count, grows, and returns to running', async () => {
  const fake = fakeHost({ workers: 1 });
  assert.deepEqual(await new Operations(fake.host).scale(3), { ok: true });
  assert.equal(fake.config().workers, 3);
  assert.deepEqual(fake.events, ['state scaling', 'start 2', 'start 3', 'state running']);
});

test('operations are refused unless the launcher is running', async () => {
  const fake = fakeHost();
  fake.setState('stopping');
  const operations = new Operations(fake.host);
  assert.deepEqual(await operations.scale(3), { ok: false, reason: 'the launcher is stopping' });
  assert.deepEqual(await operations.reload(), { ok: false, reason: 'the launcher is stopping' });
  assert.deepEqual(fake.events, []);
});
