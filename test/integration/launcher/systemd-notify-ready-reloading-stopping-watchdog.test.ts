// Issue 16, part 4: systemd Type=notify against a real unix datagram socket (a Python listener
// standing in for systemd): READY=1, RELOADING=1 + MONOTONIC_USEC, READY=1, STOPPING=1, STATUS=,
// WATCHDOG=1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { delay, until } from '../../helpers/wait.js';
import { startLauncher } from '../../helpers/launcher.js';
import { fakeNotifySocket, hasSystemdNotify, type Datagram } from '../../helpers/systemd-notify.js';

const fieldsOf = (datagram: Datagram): Record<string, string> =>
  Object.fromEntries(datagram.message.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));

test('under systemd Type=notify: READY=1 once every worker serves, RELOADING=1 and READY=1 around a reload, STOPPING=1, STATUS=, WATCHDOG=1', async (t) => {
  if (!hasSystemdNotify(t)) return;
  const { path: socket, datagrams } = await fakeNotifySocket(t);
  const received = (what: string, after = 0): Promise<Datagram> =>
    until(`${what} on the notify socket`, () => datagrams.slice(after).some((d) => d.message.split('\n').includes(what)), {
      timeoutMs: 20_000,
      intervalMs: 20,
    }).then(() => datagrams.slice(after).find((d) => d.message.split('\n').includes(what))!);

  const launcher = await startLauncher(['--workers', '2'], { env: { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '400000' } });
  t.after(() => launcher.kill());
  const ready = await received('READY=1');
  assert.equal(fieldsOf(ready).STATUS, 'serving with 2 workers');
  assert.ok(datagrams.indexOf(ready) > 0 && fieldsOf(datagrams[0]!).STATUS === 'starting', 'STATUS=starting came first');
  // Workers do not inherit the launcher's notify socket (sd_notify's unset_environment).
  for (const pid of launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[]) {
    assert.ok(!readFileSync(`/proc/${pid}/environ`, 'utf8').includes('NOTIFY_SOCKET='), `worker ${pid} has no NOTIFY_SOCKET`);
  }
  const since = datagrams.length;
  await delay(1000); // time is the subject: the watchdog pings of 1 s are counted
  const pings = datagrams.slice(since).filter((d) => d.message === 'WATCHDOG=1').length;
  assert.ok(pings >= 3 && pings <= 8, `WATCHDOG=1 every half of WATCHDOG_USEC (0.2 s): ${pings} in 1 s`);

  const beforeReload = datagrams.length;
  const hupAt = process.hrtime.bigint() / 1000n;
  process.kill(launcher.pid, 'SIGHUP');
  const reloading = await received('RELOADING=1', beforeReload);
  const monotonic = BigInt(fieldsOf(reloading).MONOTONIC_USEC!);
  assert.ok(
    monotonic >= hupAt && monotonic - hupAt < 5_000_000n,
    `MONOTONIC_USEC is CLOCK_MONOTONIC at the reload (${monotonic - hupAt} µs after the signal)`,
  );
  await launcher.waitForLine((line) => line.msg === 'rolling restart complete', 20_000, 'rolling restart complete');
  const readyAgain = await received('READY=1', datagrams.indexOf(reloading) + 1);
  assert.equal(fieldsOf(readyAgain).STATUS, 'serving with 2 workers');

  const beforeStop = datagrams.length;
  process.kill(launcher.pid, 'SIGTERM');
  const stopping = await received('STOPPING=1', beforeStop);
  assert.equal(fieldsOf(stopping).STATUS, 'stopping');
  assert.deepEqual(await launcher.exited, { code: 0, signal: null });
  const lastPing = datagrams.filter((d) => d.message === 'WATCHDOG=1').pop()!;
  assert.ok(datagrams.indexOf(lastPing) < datagrams.indexOf(stopping), 'no watchdog ping after STOPPING=1');
  assert.ok(!launcher.lines.some((line) => /systemd notification failed/.test(line.msg)));
});
