/**
 * Issue 27, finding 8: `ctl.js --pid-file` believed a pid file another user wrote. In a shared
 * 1777 folder, `nobody` wrote launcher B's pid into `demo.pid`: `ctl.js stop --pid-file` there
 * stopped B, and launcher A (whose pid file it is) refused to start. Now a pid is believed only
 * from a file opened with O_NOFOLLOW, owned by our uid and not writable by group or others:
 * ctl refuses the others (exit 3, saying why) and B keeps running; launcher A replaces the
 * untrusted file with its own and starts.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { CTL, isAlive, startLauncher } from '../../helpers/launcher.js';
import { runAsNobody, skipUnlessOtherUser } from '../../helpers/other-user.js';

function folder(t: TestContext, mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-ctl-pidfile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, mode);
  return dir;
}

test(
  "ctl --pid-file refuses another user's file, a group-writable one and a symlink; the launcher replaces them",
  skipUnlessOtherUser(),
  async (t) => {
    const env = { XDG_RUNTIME_DIR: folder(t, 0o700) };
    const ctl = (...args: string[]) => execa(process.execPath, [CTL, ...args], { reject: false, env, timeout: 30_000 });
    const b = await startLauncher(['--workers', '1'], { env });
    t.after(() => b.kill());
    const shared = folder(t, 0o1777);
    const path = join(shared, 'demo.pid');

    // nobody writes B's pid where A's pid file belongs.
    runAsNobody('fs.writeFileSync(process.argv[1], process.argv[2] + "\\n", { mode: 0o644 })', [path, String(b.pid)]);
    const stop = await ctl('stop', '--pid-file', path);
    assert.equal(stop.exitCode, 3, stop.stderr);
    assert.match(stop.stderr, /refusing the pid file .*demo\.pid: it is owned by uid 65534, not by us \(uid 0\)/);
    assert.ok(isAlive(b.pid), 'B was not stopped');

    // A file of ours that group or others may write is not believed either.
    const writable = join(shared, 'writable.pid');
    writeFileSync(writable, `${b.pid}\n`);
    chmodSync(writable, 0o666);
    const loose = await ctl('stop', '--pid-file', writable);
    assert.equal(loose.exitCode, 3);
    assert.match(loose.stderr, /group or others may write it \(mode 666\)/);

    // Nor a symlink to a good file.
    const good = join(folder(t, 0o700), 'good.pid');
    writeFileSync(good, `${b.pid}\n`, { mode: 0o644 });
    const link = join(shared, 'link.pid');
    symlinkSync(good, link);
    const linked = await ctl('stop', '--pid-file', link);
    assert.equal(linked.exitCode, 3);
    assert.match(linked.stderr, /cannot read the pid file .*link\.pid: .*(ELOOP|symbolic link)/i);
    assert.ok(isAlive(b.pid), 'B still runs');

    // The control: our own 0644 file is believed.
    const status = await ctl('status', '--json', '--pid-file', good);
    assert.equal(status.exitCode, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).launcher.pid, b.pid);

    // Launcher A starts with the pid file nobody wrote: it is replaced by A's own.
    const a = await startLauncher(['--workers', '1', '--pid-file', path], { env });
    t.after(() => a.kill());
    assert.equal(readFileSync(path, 'utf8'), `${a.pid}\n`);
    assert.equal(statSync(path).uid, 0);
    const aStatus = await ctl('status', '--json', '--pid-file', path);
    assert.equal(JSON.parse(aStatus.stdout).launcher.pid, a.pid, 'ctl now reaches A through it');
  },
);
