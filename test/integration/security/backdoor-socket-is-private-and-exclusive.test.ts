// Issue 14, item 5: the backdoor socket was bound by the launcher through node:cluster, so the
// worker's umask did not apply (0775 under umask 002 until a chmod that follows symlinks), and
// whatever was at the path was unlinked.
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { silentLogger } from '../../../src/logging/logger.js';
import { Backdoor } from '../../../src/worker/backdoor.js';
import { startLauncher } from '../../helpers/launcher.js';
import { runAsNobody, skipUnlessOtherUser } from '../../helpers/other-user.js';

/** Pids among `candidates` holding the listening unix socket bound at `path` (from /proc). */
function holdersOf(path: string, candidates: readonly number[]): number[] {
  const row = readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .find((line) => line.endsWith(` ${path}`));
  assert.ok(row, `${path} is in /proc/net/unix`);
  const inode = row.trim().split(/\s+/)[6];
  return candidates.filter((pid) =>
    readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    }),
  );
}

function folder(t: TestContext, mode = 0o700): string {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-backdoor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, mode);
  return dir;
}

test('under the launcher umask 002 every backdoor socket is 0600 from its creation, bound by its worker', async (t) => {
  const dir = folder(t);
  const previousMask = process.umask(0o002);
  t.after(() => process.umask(previousMask));
  const launcher = await startLauncher(['--workers', '2', '--backdoor-socket', join(dir, 'backdoor-{pid}.sock')]);
  t.after(() => launcher.kill());
  const pids = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  for (const pid of pids) {
    const stats = lstatSync(join(dir, `backdoor-${pid}.sock`));
    assert.ok(stats.isSocket());
    assert.equal(stats.mode & 0o777, 0o600);
    // Bound by the worker itself (`exclusive`), not by the launcher through node:cluster.
    assert.deepEqual(holdersOf(join(dir, `backdoor-${pid}.sock`), [launcher.pid, ...pids]), [pid]);
  }
});

test(
  'a backdoor folder another user made (0777), or a path without {pid}, stops the launcher with exit 2',
  skipUnlessOtherUser(),
  async (t) => {
    const shared = folder(t, 0o1777);
    const open = join(shared, 'open');
    runAsNobody('fs.mkdirSync(process.argv[1]); fs.chmodSync(process.argv[1], 0o777)', [open]);
    for (const [path, message] of [
      [join(open, 'backdoor-{pid}.sock'), /backdoor_socket: the folder .*open is not private: it is owned by uid 65534/],
      [join(folder(t), 'backdoor.sock'), /backdoor_socket: the path must contain \{pid\}/],
    ] as const) {
      const launcher = await startLauncher(['--workers', '1', '--backdoor-socket', path], { waitReady: false });
      t.after(() => launcher.kill());
      assert.equal((await launcher.exited).code, 2);
      assert.match(launcher.rawLines.join('\n'), message);
    }
    assert.deepEqual(readdirSync(open), []);
  },
);

test('a backdoor path holding a file that is not a socket is refused and left alone', async (t) => {
  const dir = folder(t);
  const path = join(dir, `backdoor-${process.pid}.sock`);
  writeFileSync(path, 'not a socket');
  const backdoor = new Backdoor({ path: join(dir, 'backdoor-{pid}.sock'), context: {}, logger: silentLogger() });
  await assert.rejects(backdoor.start(), /backdoor_socket: .* exists and is not a unix socket; refusing to replace it/);
  assert.equal(readFileSync(path, 'utf8'), 'not a socket');
});
