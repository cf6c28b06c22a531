/**
 * Under systemd Type=notify (a Python listener standing in for systemd's socket), a SIGUSR2
 * handover moves the service to the new launcher: it sends MAINPID=<its pid> with READY=1 when it
 * takes over and keeps the watchdog fed; the old launcher sends nothing after that (no
 * STOPPING=1: the service is not stopping) and exits 0. A later SIGTERM to the new launcher sends
 * STOPPING=1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAlive, startLauncher, waitForPidGone } from '../../helpers/launcher.js';
import { fakeNotifySocket, hasSystemdNotify } from '../../helpers/systemd-notify.js';
import { until } from '../../helpers/wait.js';

test('a handover under systemd notify: MAINPID= and READY=1 from the new launcher, nothing more from the old one', {
  timeout: 120_000,
}, async (t) => {
  if (!hasSystemdNotify(t)) return;
  const notify = await fakeNotifySocket(t, 'oslo-node-notify-handover-');
  const { messages } = notify;
  const seen = (what: string, from = 0): Promise<number> =>
    until(`${what} on the notify socket`, () => messages.slice(from).findIndex((m) => m.split('\n').includes(what)) + 1, {
      timeoutMs: 60_000,
      intervalMs: 20,
    }).then((i) => from + i - 1);

  const launcher = await startLauncher(['--workers', '2', '--no-access-log'], {
    env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '1000000' },
  });
  t.after(() => launcher.kill());
  await seen('READY=1');
  const before = messages.length;
  process.kill(launcher.pid, 'SIGUSR2');
  const took = await launcher.waitForLine(
    (line) => line.msg === `took over from launcher ${launcher.pid}`,
    90_000,
    'the new launcher taking over',
  );
  const newPid = took.pid;
  t.after(() => {
    if (isAlive(newPid)) process.kill(newPid, 'SIGKILL');
  });
  const mainPid = await seen(`MAINPID=${newPid}`, before);
  assert.ok(messages[mainPid]!.split('\n').includes('READY=1'), `READY=1 goes with MAINPID=: ${messages[mainPid]}`);
  await waitForPidGone(launcher.pid, 60_000);
  assert.ok(launcher.lines.some((line) => line.pid === launcher.pid && line.msg === 'all workers stopped; exiting 0'));
  const afterOld = messages.length;
  await until('a watchdog ping from the new launcher', () => messages.slice(afterOld).includes('WATCHDOG=1'), {
    timeoutMs: 10_000,
    intervalMs: 20,
  });
  const sinceHandover = messages.slice(before);
  assert.ok(!sinceHandover.some((m) => m.includes('STOPPING=1')), `no STOPPING=1 during the handover: ${JSON.stringify(sinceHandover)}`);
  assert.ok(
    !sinceHandover.slice(0, mainPid - before).some((m) => m.split('\n').includes('READY=1')),
    'no READY=1 from the new launcher before MAINPID=',
  );

  process.kill(newPid, 'SIGTERM');
  await seen('STOPPING=1', afterOld);
  await waitForPidGone(newPid, 30_000);
  assert.ok(!launcher.lines.some((line) => /systemd notification failed/.test(line.msg)));
});
