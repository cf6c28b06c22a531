import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Membership } from '../../../src/servicegroup/membership.js';
import type { HeartbeatReport } from '../../../src/servicegroup/report.js';

/** A launcher's report: `pid` is the reporter's, `pids` its live workers. */
const report = (pid: number, overrides: Partial<HeartbeatReport> = {}): HeartbeatReport => ({
  host: 'h1',
  binary: 'demo',
  topic: 'demo',
  version: '1.3',
  pid,
  workers: 2,
  pids: [pid * 10 + 1, pid * 10 + 2],
  startedAt: '2026-11-25T00:00:00.000Z',
  disabled: false,
  disabledReason: null,
  ...overrides,
});

test('one record per host/binary with the workers its reporters fold in; up while one reported within service_down_time', () => {
  let now = 1_000_000;
  const membership = new Membership({ serviceDownTimeMs: 60_000, now: () => now });
  assert.equal(membership.report(report(1)), 'new-member');
  assert.equal(membership.report(report(1)), 'known-member');
  assert.deepEqual(
    membership.list().map((s) => [s.host, s.state, s.workers, s.pids]),
    [['h1', 'up', 2, [11, 12]]],
  );
  // A restarted launcher (new pid) while the old one's last report is still fresh: both count.
  now += 30_000;
  membership.report(report(2, { workers: 1, pids: [21] }));
  assert.deepEqual(
    membership.list().map((s) => [s.workers, s.pids]),
    [[3, [11, 12, 21]]],
  );
  now += 40_000; // reporter 1 last seen 70 s ago, reporter 2 40 s ago
  assert.deepEqual(
    membership.list().map((s) => [s.state, s.pids]),
    [['up', [21]]],
  );
  now += 30_000;
  assert.equal(membership.isUp('h1', 'demo'), false, 'down once every reporter is older than service_down_time');
  assert.equal(membership.list()[0]!.state, 'down');
});

test('a heartbeat from a clock skewed into the future still counts (nova uses abs())', () => {
  let now = 1_000_000;
  const membership = new Membership({ serviceDownTimeMs: 60_000, now: () => now });
  membership.report(report(1));
  now -= 30_000;
  assert.equal(membership.isUp('h1', 'demo'), true);
});

test('a reporter that leaves (its launcher stopped) is forgotten at once', () => {
  const membership = new Membership({ serviceDownTimeMs: 60_000 });
  membership.report(report(1));
  membership.report(report(3, { host: 'h2' }));
  membership.leave('h1', 'demo', 1);
  assert.deepEqual(
    membership.list().map((s) => [s.host, s.state]),
    [
      ['h1', 'down'],
      ['h2', 'up'],
    ],
  );
});

test('disabled flag with reason', () => {
  const membership = new Membership({ serviceDownTimeMs: 60_000 });
  assert.equal(membership.setDisabled('h1', 'demo', true, 'x'), false, 'unknown service');
  membership.report(report(1));
  assert.equal(membership.setDisabled('h1', 'demo', true, 'maintenance'), true);
  assert.deepEqual([membership.list()[0]!.disabled, membership.list()[0]!.disabledReason], [true, 'maintenance']);
});

test('a report never changes the disabled state; an older change never undoes a newer one', () => {
  const membership = new Membership({ serviceDownTimeMs: 60_000 });
  membership.report(report(1, { disabled: true, disabledReason: 'forged' }));
  assert.equal(membership.list()[0]!.disabled, false, 'a report saying disabled is not believed');
  assert.equal(membership.setDisabled('h1', 'demo', true, 'maintenance', 1000), true);
  assert.equal(membership.setDisabled('h1', 'demo', false, null, 2000), true);
  assert.equal(membership.setDisabled('h1', 'demo', true, 'maintenance', 1000), false, 'the replayed disable');
  assert.equal(membership.setDisabled('h1', 'demo', true, 'maintenance', 2000), false, 'not newer');
  membership.report(report(1, { disabled: true, disabledReason: 'forged' }));
  assert.deepEqual([membership.list()[0]!.disabled, membership.disabledAt('h1', 'demo')], [false, 2000]);
});

test('the table is bounded: full means a new host is refused, silent records are pruned, stale members dropped', () => {
  let now = 1_000_000;
  const membership = new Membership({ serviceDownTimeMs: 10_000, maxRecords: 3, pruneAfterMs: 100_000, now: () => now });
  for (const host of ['a', 'b', 'c']) assert.equal(membership.report(report(1, { host })), 'new-member');
  assert.equal(membership.report(report(1, { host: 'd' })), 'refused-full');
  assert.equal(membership.size, 3);
  // Silent past the prune time: forgotten, so a new host fits again.
  now += 100_001;
  membership.report(report(1, { host: 'a' }));
  assert.equal(membership.report(report(1, { host: 'd' })), 'new-member');
  assert.deepEqual(
    membership.list().map((s) => s.host),
    ['a', 'd'],
  );
  // A flood of made-up reporter pids on one record: the silent ones go as new ones arrive.
  for (let pid = 100; pid < 200; pid++) {
    now += 11_000;
    membership.report(report(pid, { host: 'a' }));
  }
  assert.deepEqual(membership.list().find((s) => s.host === 'a')!.pids, [1991, 1992], 'only the last reporter is live');
  assert.equal(membership.memberCount, 1, 'the silent made-up reporters were dropped (and d, silent past the prune time, forgotten)');
  assert.equal(membership.size, 1);
});

test('order is by binary then host, with non-ASCII names compared as plain strings', () => {
  const membership = new Membership({ serviceDownTimeMs: 60_000 });
  membership.report(report(1, { host: 'zeta', binary: 'b' }));
  membership.report(report(2, { host: 'alpha', binary: 'b' }));
  membership.report(report(3, { host: 'é', binary: 'a' }));
  assert.deepEqual(
    membership.list().map((s) => `${s.binary}/${s.host}`),
    ['a/é', 'b/alpha', 'b/zeta'],
  );
});
