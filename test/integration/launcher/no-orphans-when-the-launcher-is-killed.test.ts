import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLauncher, waitForPidGone } from '../../helpers/launcher.js';
import { httpGet } from '../../helpers/http.js';

test('SIGKILL of the launcher: every worker is gone within 2 s, and the port is free again', async (t) => {
  const launcher = await startLauncher(['--workers', '2']);
  t.after(() => launcher.kill());
  const pids = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  process.kill(launcher.pid, 'SIGKILL');
  const times = await Promise.all(pids.map((pid) => waitForPidGone(pid, 2000)));
  console.log(`# workers gone ${times.map((ms) => ms.toFixed(1)).join(', ')} ms after the launcher's SIGKILL`);

  const next = await startLauncher(['--workers', '1', '--port', String(launcher.port)]);
  t.after(() => next.kill());
  assert.equal(next.port, launcher.port);
  assert.equal((await httpGet(next.port, '/healthz')).status, 200);
});
