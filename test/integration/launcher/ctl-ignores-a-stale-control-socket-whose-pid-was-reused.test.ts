// Issue 16, part 2: a launcher killed with SIGKILL leaves its control-<pid>.sock, and its pid may
// later belong to any other process. ctl.js counts a launcher as reachable only when something
// answers on its socket: such a stale socket is "no launcher reachable" (exit 3), never a second
// launcher that makes the lookup ambiguous, and a starting launcher removes it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { CTL, startLauncher } from '../../helpers/launcher.js';

const ctl = (env: Record<string, string>, ...args: string[]) =>
  execa(process.execPath, [CTL, ...args], { reject: false, env, timeout: 30_000 });

/** A socket file at `path` with nobody listening: what a launcher killed with SIGKILL leaves. */
async function staleSocket(path: string): Promise<void> {
  const holder = execa(
    process.execPath,
    ['-e', `process.umask(0o177); require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('listening'))`],
    { reject: false },
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once('data', () => resolve());
    void holder.then((result) => reject(new Error(`the socket holder exited: ${result.stderr}`)));
  });
  holder.kill('SIGKILL');
  await holder;
  assert.ok(statSync(path).isSocket(), 'the socket file outlived its process');
}

test('a stale control socket whose pid now belongs to another process: exit 3 alone, ignored beside a launcher, removed at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-ctl-stale-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { XDG_RUNTIME_DIR: dir };
  const folder = join(dir, `oslo-node-${process.getuid!()}`);
  mkdirSync(folder, { mode: 0o700 });
  // Processes that are not launchers hold the dead launchers' pids now.
  const others = [execa('sleep', ['60'], { reject: false }), execa('sleep', ['60'], { reject: false })];
  t.after(() => {
    for (const other of others) other.kill('SIGKILL');
  });
  const [before, after] = others.map((other) => join(folder, `control-${other.pid}.sock`)) as [string, string];

  await staleSocket(before);
  const alone = await ctl(env, 'status');
  assert.equal(alone.exitCode, 3, `no launcher reachable: ${alone.stderr}`);
  assert.match(alone.stderr, /no launcher control socket/);

  const launcher = await startLauncher(['--workers', '1', '--no-prefork-spare'], { env });
  t.after(() => launcher.kill());
  await launcher.waitForLine((line) => line.msg === 'control socket listening (node dist/ctl.js)', 10_000, 'the control socket');
  assert.ok(!existsSync(before), 'the starting launcher removed the stale socket although its pid is alive');

  await staleSocket(after);
  const found = await ctl(env, 'status', '--json');
  assert.equal(found.exitCode, 0, `the one launcher that answers is found, not "2 launchers run": ${found.stderr}`);
  assert.equal((JSON.parse(found.stdout) as { launcher: { pid: number } }).launcher.pid, launcher.pid);
});
