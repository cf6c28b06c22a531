import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import type { ServiceGroupDriver } from '../../../src/servicegroup/driver.js';
import { HostReporter, effectiveDownTime } from '../../../src/servicegroup/host-reporter.js';
import type { MemberReport } from '../../../src/servicegroup/report.js';
import { delay, quietFor, until } from '../../helpers/wait.js';

/** A driver that records reports and can be made to fail. */
function recordingDriver() {
  const reports: Array<{ report: MemberReport; first: boolean }> = [];
  const left: MemberReport[] = [];
  const driver: ServiceGroupDriver & { failing: boolean } = {
    name: 'messaging',
    failing: false,
    start: async () => {},
    report: async (report, first) => {
      if (driver.failing) throw new Error('database down');
      reports.push({ report, first });
    },
    leave: async (report) => void left.push(report),
    services: async () => [],
    setDisabled: async () => {},
    stop: async () => {},
  };
  return { driver, reports, left };
}

const record = { host: 'h', binary: 'b', topic: 't', version: '1.0', serviceVersion: 1 };
/** Reports at 50-100 ms intervals: look often, give up soon. */
const SOON = { timeoutMs: 3000, intervalMs: 5 };

test('workers fold into one report per interval: first word reports at once, the count and pids ride along', async () => {
  const { driver, reports } = recordingDriver();
  const reporter = new HostReporter({ driver, logger: silentLogger(), reportIntervalMs: 100, serviceDownTimeMs: 1000, pid: 7 });
  await reporter.workerAlive(11, record);
  assert.deepEqual(
    reports.map((r) => [r.first, r.report.pid, r.report.workers, r.report.pids]),
    [[true, 7, 1, [11]]],
  );
  await reporter.workerAlive(12, record);
  await reporter.workerAlive(11, record); // a known worker's word does not report
  await until("the second worker's report", () => reports.length === 2, SOON);
  assert.deepEqual(
    reports.map((r) => [r.first, r.report.workers, r.report.pids]),
    [
      [true, 1, [11]],
      [false, 2, [11, 12]],
    ],
  );

  reporter.start();
  const from = reports.length;
  await delay(550); // time is the subject: the reports sent in 0.55 s are counted
  const periodic = reports.length - from;
  assert.ok(
    periodic >= 3 && periodic <= 6,
    `${periodic} reports in 0.55 s at a 0.1 s interval with 2 workers (one per interval, not per worker)`,
  );
  reporter.workerLeft(12);
  await until('a report without the worker that left', () => reports.at(-1)!.report.workers === 1, SOON);
  await reporter.stop({ leave: true });
});

test('a worker joining a host already in the group does not wait for the report (a replacement starts sooner)', async () => {
  const { driver, reports } = recordingDriver();
  let release!: () => void;
  let held: Promise<void> | undefined;
  const report = driver.report;
  driver.report = async (member, first) => {
    await held;
    return report(member, first);
  };
  const reporter = new HostReporter({ driver, logger: silentLogger(), reportIntervalMs: 0, serviceDownTimeMs: 60_000 });
  await reporter.workerAlive(41, record);
  assert.equal(reports.length, 1, "the host's first report is awaited");
  held = new Promise((resolve) => (release = resolve));
  await reporter.workerAlive(42, record);
  assert.equal(reports.length, 1, 'the replacement did not wait for the report still held by the driver');
  release();
  await until('the report with the new worker', () => reports.length === 2, SOON);
  assert.deepEqual(reports[1]!.report.pids, [41, 42]);
  await reporter.stop();
});

test('no live worker, no report: the host ages to down; a worker silent past the down time no longer counts', async () => {
  const { driver, reports } = recordingDriver();
  const reporter = new HostReporter({ driver, logger: silentLogger(), reportIntervalMs: 50, serviceDownTimeMs: 200 });
  await reporter.workerAlive(21, record);
  reporter.start();
  // Worker 21 never speaks again: after 0.2 s it is stale and the reports stop.
  await delay(500); // time is the subject: the worker goes stale 0.2 s after its last word
  const settled = reports.length;
  await quietFor('a report with no live worker', 300, () => reports.length !== settled, { intervalMs: 5 });
  assert.equal(reports.length, settled, 'no report once no worker is alive');
  assert.ok(settled >= 2, 'it did report while the worker was fresh');
  await reporter.stop();
});

test('a failing report is logged once and retried each interval; a stopping launcher leaves', async () => {
  const { driver, reports, left } = recordingDriver();
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger = silentLogger();
  const child = Object.assign(Object.create(logger), {
    warn: (_: unknown, msg: string) => void warnings.push(msg),
    info: (msg: string) => void infos.push(msg),
  });
  const reporter = new HostReporter({ driver, logger: { child: () => child } as never, reportIntervalMs: 50, serviceDownTimeMs: 5000 });
  driver.failing = true;
  await reporter.workerAlive(31, record);
  reporter.start();
  const keepAlive = setInterval(() => void reporter.workerAlive(31, record), 20);
  await delay(300); // time is the subject: several failing intervals pass, one warning is logged
  assert.deepEqual(warnings, ['unable to report service status; will keep trying']);
  driver.failing = false;
  await until('a report after recovery', () => reports.length > 0, SOON);
  assert.deepEqual(infos, ['Recovered from being unable to report status.']);
  assert.equal(reports[0]!.first, true, 'the first report that got through says hello');
  clearInterval(keepAlive);
  await reporter.stop({ leave: true });
  assert.equal(left.length, 1);
});

test('service_down_time not above report_interval becomes 2.5 x the interval, as nova does', () => {
  assert.equal(effectiveDownTime(10_000, 60_000), 60_000);
  assert.equal(effectiveDownTime(10_000, 10_000), 25_000);
  assert.equal(effectiveDownTime(0, 5000), 5000);
});
