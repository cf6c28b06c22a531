/**
 * Issue 27, finding 12: a configured socket path (`embedded_socket`, `control_socket`,
 * `backdoor_socket`) did not get the private-folder check of the default ones, so in a folder
 * another user can write our socket could be swapped for theirs between the client's check and
 * its connect. Now the launcher refuses to bind in such a folder (exit 2, naming the option) and
 * the rpc CLI and ctl.js refuse to connect through one.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { CTL, RPC_CLI, exitsWithTwo, startLauncher } from '../../helpers/launcher.js';
import { NOBODY, folderWithMode, skipUnlessOtherUser } from '../../helpers/other-user.js';

test('configured socket paths in a folder others can write, or owned by another user, are refused', skipUnlessOtherUser(), async (t) => {
  const shared = folderWithMode(t, 0o1777);
  const theirs = folderWithMode(t, 0o755);
  chownSync(theirs, NOBODY.uid, NOBODY.gid);
  const mine = folderWithMode(t, 0o700);

  assert.match(
    await exitsWithTwo(t, ['--embedded-socket', join(shared, 'e.sock')]),
    /embedded_socket: the folder .* is not private: its mode is 0777.*put embedded_socket in a folder only we can use/,
  );
  assert.match(
    await exitsWithTwo(t, ['--embedded-socket', join(theirs, 'e.sock')]),
    /embedded_socket: the folder .* is not private: it is owned by uid 65534/,
  );
  assert.match(
    await exitsWithTwo(t, ['--embedded-socket', join(mine, 'e.sock'), '--control-socket', join(shared, 'c.sock')]),
    /control_socket: the folder .* is not private/,
  );
  assert.match(
    await exitsWithTwo(t, ['--embedded-socket', join(mine, 'e.sock'), '--backdoor-socket', join(shared, 'b-{pid}.sock')]),
    /backdoor_socket: the folder .* is not private/,
  );

  // In a private folder, a socket owned by another user is still refused (the check behind this one).
  const kept = folderWithMode(t, 0o700);
  const foreign = join(kept, 'e.sock');
  let heard = 0;
  const impostor = createServer(() => heard++);
  await new Promise<void>((resolve) => impostor.listen(foreign, resolve));
  t.after(() => impostor.close());
  chownSync(foreign, NOBODY.uid, NOBODY.gid);
  assert.match(
    await exitsWithTwo(t, ['--embedded-socket', foreign]),
    /embedded_socket: .*e\.sock is a socket that is not ours \(it is owned by uid 65534/,
  );
  const foreignCall = await execa(process.execPath, [RPC_CLI, 'call', 'demo', 'add', '{"a": 2, "b": 3}', '--embedded-socket', foreign], {
    reject: false,
    timeout: 15_000,
  });
  assert.equal(foreignCall.exitCode, 2);
  assert.match(foreignCall.stderr, /the socket .*e\.sock is not ours: it is owned by uid 65534.*refusing to connect/);
  assert.equal(heard, 0, 'nobody connected to it');

  // A launcher in a private folder serves; once the folder is opened to others, clients refuse it.
  const embedded = join(mine, 'e.sock');
  const control = join(mine, 'c.sock');
  const launcher = await startLauncher(['--workers', '1', '--embedded-socket', embedded, '--control-socket', control]);
  t.after(() => launcher.kill());
  const call = () =>
    execa(process.execPath, [RPC_CLI, 'call', 'demo', 'add', '{"a": 2, "b": 3}', '--embedded-socket', embedded], {
      reject: false,
      timeout: 15_000,
    });
  const status = () => execa(process.execPath, [CTL, 'status', '--control-socket', control], { reject: false, timeout: 15_000 });
  assert.equal((await call()).exitCode, 0, 'the control: served from a private folder');
  assert.equal((await status()).exitCode, 0);
  chmodSync(mine, 0o777);
  const refusedCall = await call();
  assert.equal(refusedCall.exitCode, 2, refusedCall.stderr);
  assert.match(refusedCall.stderr, /embedded_socket: the folder .* is not private: its mode is 0777/);
  const refusedStatus = await status();
  assert.notEqual(refusedStatus.exitCode, 0);
  assert.match(refusedStatus.stderr, /control_socket: the folder .* is not private/);
});
