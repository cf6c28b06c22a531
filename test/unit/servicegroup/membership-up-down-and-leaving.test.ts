import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Membership, type HeartbeatReport } from '../../../src/servicegroup/membership.js';

const report = (pid: number, overrides: Partial<HeartbeatReport> = {}): HeartbeatReport => ({
  host: 'h1', binary: 'demo', topic: 'demo', version: '1.3', pid, launcherPid: 100, workers: 2,
  startedAt: '2026-11-25T00:00:00.000Z', disabled: false, disabledReason: null, ...overrides,
});

test('workers of one host/binary share one record; it is up while one reported within service_down_time', () => {
  let now = 1_000_000;
  const membership = new Membership({ serviceDownTimeSeconds: 60, now: () => now });
  assert.equal(membership.report(report(1)), true, 'a new member');
  assert.equal(membership.report(report(2)), true);
  assert.equal(membership.report(report(1)), false, 'a known member');
  assert.deepEqual(membership.list().map((s) => [s.host, s.state, s.workers, s.pids]), [['h1', 'up', 2, [1, 2]]]);

  now += 30_000;
  membership.report(report(2));
  now += 40_000; // pid 1 last seen 70 s ago, pid 2 40 s ago
  assert.deepEqual(membership.list().map((s) => [s.state, s.pids]), [['up', [2]]]);
  now += 30_000;
  assert.equal(membership.isUp('h1', 'demo'), false, 'down once every member is older than service_down_time');
});

test('a heartbeat from a clock skewed into the future still counts (nova uses abs())', () => {
  let now = 1_000_000;
  const membership = new Membership({ serviceDownTimeSeconds: 60, now: () => now });
  membership.report(report(1));
  now -= 30_000;
  assert.equal(membership.isUp('h1', 'demo'), true);
});

test('a leaving worker is forgotten at once; a stopping launcher takes its killed workers with it', () => {
  const membership = new Membership({ serviceDownTimeSeconds: 60 });
  membership.report(report(1));
  membership.report(report(2));
  membership.report(report(3, { launcherPid: 200 }));
  membership.leave('h1', 'demo', 2);
  assert.deepEqual(membership.list()[0]!.pids, [1, 3]);
  // pid 1 was killed (it never left); its launcher 100 stops: pid 1 goes too, launcher 200's stays.
  membership.leave('h1', 'demo', 99, 100);
  assert.deepEqual(membership.list()[0]!.pids, [3]);
  membership.leave('h1', 'demo', 3, 200);
  assert.equal(membership.list()[0]!.state, 'down');
});

test('disabled flag with reason', () => {
  const membership = new Membership({ serviceDownTimeSeconds: 60 });
  assert.equal(membership.setDisabled('h1', 'demo', true, 'x'), false, 'unknown service');
  membership.report(report(1));
  assert.equal(membership.setDisabled('h1', 'demo', true, 'maintenance'), true);
  assert.deepEqual([membership.list()[0]!.disabled, membership.list()[0]!.disabledReason], [true, 'maintenance']);
});
