/**
 * The primary's signal handlers (src/launch/signals.ts): installed at once, they hold what
 * arrives before attach() (so start-up is never killed by a SIGHUP or SIGTERM) and replay it;
 * a held stop makes a held reload moot; uninstall() removes exactly what was added.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installSignalHandlers } from '../../../src/launch/signals.js';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'] as const;
const counts = (): number[] => SIGNALS.map((signal) => process.listenerCount(signal));

function recorder(): { seen: string[]; stop(signal: NodeJS.Signals): void; reload(): void; upgrade(): void } {
  const seen: string[] = [];
  return { seen, stop: (signal) => seen.push(signal), reload: () => seen.push('reload'), upgrade: () => seen.push('upgrade') };
}

test('signals before attach() are held, then replayed in order; one reload for many', () => {
  const before = counts();
  const handlers = installSignalHandlers();
  assert.deepEqual(
    counts(),
    before.map((n) => n + 1),
  );
  process.emit('SIGHUP', 'SIGHUP');
  process.emit('SIGHUP', 'SIGHUP');
  const actions = recorder();
  handlers.attach(actions);
  assert.deepEqual(actions.seen, ['reload']);
  process.emit('SIGINT', 'SIGINT');
  assert.deepEqual(actions.seen, ['reload', 'SIGINT'], 'after attach() signals go straight through');
  handlers.uninstall();
  assert.deepEqual(counts(), before);
});

test('a held stop replays every stop signal and drops a held reload', () => {
  const handlers = installSignalHandlers();
  process.emit('SIGHUP', 'SIGHUP');
  process.emit('SIGTERM', 'SIGTERM');
  process.emit('SIGTERM', 'SIGTERM');
  const actions = recorder();
  handlers.attach(actions);
  handlers.uninstall();
  assert.deepEqual(actions.seen, ['SIGTERM', 'SIGTERM']);
});

test('SIGUSR2 is held like SIGHUP: one upgrade for many, dropped by a held stop', () => {
  const handlers = installSignalHandlers();
  process.emit('SIGUSR2', 'SIGUSR2');
  process.emit('SIGUSR2', 'SIGUSR2');
  process.emit('SIGHUP', 'SIGHUP');
  const actions = recorder();
  handlers.attach(actions);
  assert.deepEqual(actions.seen, ['upgrade', 'reload']);
  process.emit('SIGUSR2', 'SIGUSR2');
  assert.deepEqual(actions.seen, ['upgrade', 'reload', 'upgrade'], 'after attach() SIGUSR2 goes straight through');
  handlers.uninstall();

  const stopping = installSignalHandlers();
  process.emit('SIGUSR2', 'SIGUSR2');
  process.emit('SIGTERM', 'SIGTERM');
  const later = recorder();
  stopping.attach(later);
  stopping.uninstall();
  assert.deepEqual(later.seen, ['SIGTERM']);
});
