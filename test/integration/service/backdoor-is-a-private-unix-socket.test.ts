import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startLauncher } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';

test('backdoor_socket: one 0600 unix socket per worker with a REPL that sees the service', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-backdoor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const launcher = await startLauncher([
    '--workers',
    '2',
    '--backdoor-socket',
    join(dir, 'backdoor-{pid}.sock'),
    '--embedded-socket',
    join(dir, 's.sock'),
  ]);
  t.after(() => launcher.kill());
  const pids = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];

  for (const pid of pids) {
    const path = join(dir, `backdoor-${pid}.sock`);
    assert.equal(statSync(path).mode & 0o777, 0o600, `${path} is private`);
  }
  const socket = connect(join(dir, `backdoor-${pids[0]}.sock`));
  t.after(() => socket.destroy());
  let output = '';
  socket.on('data', (chunk: Buffer) => (output += chunk.toString()));
  socket.write('service.binary + ":" + process.pid\n');
  await until('the backdoor to answer', () => output.includes(`demo:${pids[0]}`), { timeoutMs: 5000, intervalMs: 20 });
  assert.match(output, new RegExp(`'demo:${pids[0]}'`));
});
