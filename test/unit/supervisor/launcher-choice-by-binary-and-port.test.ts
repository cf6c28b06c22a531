// Issue 26, item 4: which registered launcher a command means (src/control/launchers.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LauncherAmbiguous,
  LauncherUnreachable,
  chooseLauncher,
  launcherChoice,
  type LauncherRecord,
} from '../../../src/control/launchers.js';

const record = (pid: number, binary: string | null, port: number, startedAt: string): LauncherRecord => ({
  pid,
  binary,
  port,
  host: '127.0.0.1',
  startedAt,
  controlSocket: `/run/control-${pid}.sock`,
  embeddedSocket: `/run/embedded-${pid}.sock`,
});

const api = record(101, 'api', 8774, '2026-01-01T00:00:00.000Z');
const compute = record(102, 'compute', 8775, '2026-01-01T00:00:01.000Z');
const how = { how: '--binary NAME or --port N' };

test('the only launcher without a choice; by binary, by port, by both', () => {
  assert.equal(chooseLauncher([api], {}, how), api);
  assert.equal(chooseLauncher([api, compute], { binary: 'compute' }, how), compute);
  assert.equal(chooseLauncher([api, compute], { port: 8774 }, how), api);
  assert.equal(chooseLauncher([api, compute], { binary: 'api', port: 8774 }, how), api);
});

test('several match: LauncherAmbiguous lists binary, port and pid of each and says how to choose', () => {
  assert.throws(
    () => chooseLauncher([api, compute], {}, how),
    (error: unknown) =>
      error instanceof LauncherAmbiguous &&
      error.code === 'ERR_CONTROL_AMBIGUOUS' &&
      error.message ===
        '2 launchers run on this host (binary api port 8774 pid 101; binary compute port 8775 pid 102): choose one with --binary NAME or --port N' &&
      error.candidates.length === 2,
  );
});

test('none matches: LauncherUnreachable names the choice and the launchers that run', () => {
  assert.throws(
    () => chooseLauncher([api, compute], { port: 9000 }, how),
    (error: unknown) =>
      error instanceof LauncherUnreachable &&
      /no launcher with port 9000 runs on this host; running: binary api port 8774 pid 101; binary compute/.test(error.message),
  );
  assert.throws(
    () => chooseLauncher([], {}, how),
    (error: unknown) => error instanceof LauncherUnreachable && /^no launcher control socket answers on this host/.test(error.message),
  );
  // A binary not known yet (a launcher still starting whose binary comes from its manager) is not matched by name.
  assert.throws(() => chooseLauncher([record(103, null, 8080, '')], { binary: 'api' }, how), LauncherUnreachable);
});

test('one service running twice (a handover, a reuse_port start): RPC takes the newest, an operation lists them', () => {
  const successor = record(201, 'api', 8774, '2026-01-01T00:00:05.000Z');
  assert.equal(chooseLauncher([api, successor], { port: 8774 }, { ...how, newestOfOneService: true }), successor);
  assert.throws(() => chooseLauncher([api, successor], { port: 8774 }, how), LauncherAmbiguous);
});

test('launcherChoice: the port counts only when some source gave it, and 0 never (known after bind)', () => {
  assert.deepEqual(launcherChoice({ binary: undefined, port: 8080 }, new Set()), { binary: undefined, port: undefined });
  assert.deepEqual(launcherChoice({ binary: 'api', port: 8774 }, new Set(['port', 'binary'])), { binary: 'api', port: 8774 });
  assert.deepEqual(launcherChoice({ binary: undefined, port: 0 }, new Set(['port'])), { binary: undefined, port: undefined });
});
