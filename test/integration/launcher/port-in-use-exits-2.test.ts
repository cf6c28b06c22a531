import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { execa } from 'execa';
import { LAUNCHER } from '../../helpers/launcher.js';

test('a port already in use fails at once with exit 2 and a message naming the port', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;

  const started = performance.now();
  const result = await execa(process.execPath, [LAUNCHER, '--host', '127.0.0.1', '--port', String(port), '--workers', '1'], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, new RegExp(`port ${port} on 127.0.0.1 is already in use`));
  assert.equal(result.stderr.trim().split('\n').length, 1, 'one line on stderr, no stack (issue 25: the stack only at debug level)');
  assert.doesNotMatch(result.stdout, /"level":60/, 'no FATAL log line repeats it');
  assert.ok(performance.now() - started < 10_000);
  assert.doesNotMatch(result.stdout, /worker forked/, 'nothing is forked when the bind fails');
});
