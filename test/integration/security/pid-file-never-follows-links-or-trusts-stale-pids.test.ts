// Issue 14, item 6: a symlink at the pid-file path made the launcher truncate its target; a pid
// file holding 1 (or any reused pid) blocked the start with exit 2.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startLauncher } from '../../helpers/launcher.js';
import { runAsNobody, skipUnlessOtherUser } from '../../helpers/other-user.js';

function folder(t: TestContext, mode = 0o700): string {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-pidfile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, mode);
  return dir;
}

test("another user's symlink at the pid-file path: exit 2, its target untouched", skipUnlessOtherUser(), async (t) => {
  const shared = folder(t, 0o1777);
  const target = join(folder(t), 'precious');
  writeFileSync(target, 'precious data\n');
  const path = join(shared, 'demo.pid');
  runAsNobody('fs.symlinkSync(process.argv[1], process.argv[2])', [target, path]);

  const launcher = await startLauncher(['--workers', '1', '--pid-file', path], { waitReady: false });
  t.after(() => launcher.kill());
  assert.equal((await launcher.exited).code, 2);
  assert.match(
    launcher.rawLines.join('\n'),
    /pid_file: .*demo\.pid exists and is not a regular file \(a symbolic link\?\); refusing to write through it/,
  );
  assert.equal(readFileSync(target, 'utf8'), 'precious data\n');
  assert.ok(lstatSync(path).isSymbolicLink());
});

test('a pid file naming pid 1 (alive, not a launcher) is stale: replaced, the launcher starts and removes it on exit', async (t) => {
  const path = join(folder(t), 'demo.pid');
  writeFileSync(path, '1\n');
  const launcher = await startLauncher(['--workers', '1', '--pid-file', path]);
  t.after(() => launcher.kill());
  assert.equal(readFileSync(path, 'utf8'), `${launcher.pid}\n`);
  process.kill(launcher.pid, 'SIGTERM');
  assert.equal((await launcher.exited).code, 0);
  assert.equal(existsSync(path), false);
});

test('a pid file naming a running launcher refuses a second one; a file that no longer holds our pid is left on exit', async (t) => {
  const path = join(folder(t), 'demo.pid');
  const first = await startLauncher(['--workers', '1', '--pid-file', path]);
  t.after(() => first.kill());
  const second = await startLauncher(['--workers', '1', '--pid-file', path], { waitReady: false });
  t.after(() => second.kill());
  assert.equal((await second.exited).code, 2);
  assert.match(second.rawLines.join('\n'), new RegExp(`demo\\.pid belongs to running launcher ${first.pid}`));
  assert.equal(readFileSync(path, 'utf8'), `${first.pid}\n`);

  writeFileSync(path, '424242\n');
  process.kill(first.pid, 'SIGTERM');
  assert.equal((await first.exited).code, 0);
  assert.equal(readFileSync(path, 'utf8'), '424242\n');
});
