/** The tests' one way to wait (test/helpers/wait.ts): what it resolves with, and what a timeout says. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureFor, quietFor, startSampling, until } from '../../helpers/wait.js';

test('until resolves with the first truthy value, counting a throw as not yet', async () => {
  let calls = 0;
  const value = await until(
    'the third look',
    () => {
      calls++;
      if (calls === 1) throw new Error('not up yet');
      return calls === 3 ? { calls } : undefined;
    },
    { intervalMs: 1 },
  );
  assert.deepEqual(value, { calls: 3 });
});

test('until times out naming what it waited for and the last value or error seen', async () => {
  await assert.rejects(
    until('the answer', () => 41 - 41, { timeoutMs: 30, intervalMs: 5 }),
    /timed out after 30 ms waiting for the answer; last seen: value 0$/,
  );
  await assert.rejects(
    until(
      'the server',
      () => {
        throw new Error('ECONNREFUSED');
      },
      { timeoutMs: 30, intervalMs: 5 },
    ),
    /waiting for the server; last seen: error ECONNREFUSED$/,
  );
});

test('quietFor passes a quiet window and fails as soon as the thing happens', async () => {
  await quietFor('a stray event', 30, () => false, { intervalMs: 5 });
  const started = performance.now();
  let n = 0;
  await assert.rejects(
    quietFor('a stray event', 5000, () => ++n >= 3 && `event ${n}`, { intervalMs: 5 }),
    /a stray event happened \d+ ms into a 5000 ms quiet window: value "event 3"/,
  );
  assert.ok(performance.now() - started < 1000, 'it did not wait out the window');
});

test('measureFor samples across its window; startSampling until stopped, and a failed sample fails stop()', async () => {
  let n = 0;
  const values = await measureFor('a counter', 40, () => n++, { intervalMs: 10 });
  assert.ok(values.length >= 2 && values[0] === 0, `samples: ${values.join(',')}`);
  const sampling = startSampling('a counter', () => n++, { intervalMs: 5 });
  await until('three samples', () => sampling.samples.length >= 3);
  assert.ok(sampling.lastAt() > 0);
  assert.ok((await sampling.stop()).length >= 3);
  const failing = startSampling('a broken probe', () => {
    throw new Error('probe broke');
  });
  await assert.rejects(failing.stop(), /a broken probe: a sample failed: error probe broke/);
});
