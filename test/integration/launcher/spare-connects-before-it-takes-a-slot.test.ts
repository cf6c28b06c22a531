// Issue 16, part 5: the spare opens its RPC transport link (the embedded router's hello) and
// builds its logger before it has a slot; taking a dead worker's slot reuses them, so the spare
// is left only the slot's own work (manager, app, consuming). Its lines carry the slot once it
// has one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLauncher } from '../../helpers/launcher.js';

test('the spare connects before it is given a slot, and its slot reuses that connection', async (t) => {
  const launcher = await startLauncher(['--workers', '1', '--log-level', 'debug']);
  t.after(() => launcher.kill());
  const spare = await launcher.waitForLine((line) => line.msg === 'spare worker loaded and waiting', 20_000, 'the spare');
  const spareLine = (msg: string) => (line: { msg?: unknown; pid?: unknown }) => line.msg === msg && line.pid === spare.workerPid;
  const opened = await launcher.waitForLine(spareLine('connections opened before taking a slot'), 5000, "the spare's connections");
  assert.equal(opened.transport, 'embedded');
  assert.equal(opened.worker, undefined, 'no slot yet, so no worker number on its lines');
  assert.ok(!launcher.lines.some((line) => line.msg === 'spare worker assigned'), 'no slot was given to it yet');

  const [victim] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  process.kill(victim!, 'SIGKILL');
  await launcher.waitForLine((line) => line.msg === 'worker ready' && line.workerPid === spare.workerPid, 10_000, 'the spare serving');
  const configured = await launcher.waitForLine(spareLine('worker configuration'), 5000, "the spare's start");
  assert.equal(configured.headStart, true, 'the slot started on the connections opened before it');
  assert.equal(configured.worker, 1, 'its lines carry the slot it took');
  const consuming = await launcher.waitForLine(spareLine('RPC server consuming'), 5000, 'the spare consuming');
  assert.equal(consuming.worker, 1);
  assert.equal(launcher.lines.filter(spareLine('connections opened before taking a slot')).length, 1, 'it did not connect again');
});
