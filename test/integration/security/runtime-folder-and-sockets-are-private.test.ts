// Issue 14, item 2: the embedded socket's folder in a shared temp dir was trusted. Another user
// could make `oslo-node-<uid>` first (0777) or listen first, then read and forge rpc CLI calls.
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { RPC_CLI, startLauncher } from '../../helpers/launcher.js';
import { runAsNobody, skipUnlessOtherUser, startAsNobody } from '../../helpers/other-user.js';

const other = skipUnlessOtherUser();
const uid = process.getuid?.() ?? 0;

/** A world-writable sticky folder, as /tmp is, standing in for the shared temp dir. */
function sharedTmp(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-shared-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o1777);
  return dir;
}

/** Environment that makes TMPDIR the place of the default runtime folder. */
const defaultPathEnv = (shared: string) => ({ TMPDIR: shared, XDG_RUNTIME_DIR: '', OSLO_NODE_EMBEDDED_SOCKET: '' });

const cli = (env: Record<string, string>, ...args: string[]) =>
  execa(process.execPath, [RPC_CLI, 'call', 'demo', 'add', '{"a": 2, "b": 3}', ...args], { reject: false, timeout: 15_000, env });

async function refusedAtStart(args: string[], env: Record<string, string>, t: TestContext): Promise<string> {
  const launcher = await startLauncher(['--workers', '1', ...args], { waitReady: false, env });
  t.after(() => launcher.kill());
  const { code } = await launcher.exited;
  assert.equal(code, 2, `exit 2 expected; output:\n${launcher.rawLines.join('\n')}`);
  return launcher.rawLines.join('\n');
}

test('a runtime folder another user made first with mode 0777 is refused: launcher and CLI exit 2', other, async (t) => {
  const shared = sharedTmp(t);
  const folder = join(shared, `oslo-node-${uid}`);
  runAsNobody('fs.mkdirSync(process.argv[1]); fs.chmodSync(process.argv[1], 0o777)', [folder]);

  const message = await refusedAtStart([], defaultPathEnv(shared), t);
  assert.match(message, new RegExp(`embedded_socket: the folder ${folder} is not private: it is owned by uid 65534`));
  assert.deepEqual(readdirSync(folder), [], "nothing was bound in the other user's folder");

  const call = await cli(defaultPathEnv(shared));
  assert.equal(call.exitCode, 2, call.stderr);
  assert.match(call.stderr, /is not private: it is owned by uid 65534/);
});

test('a symbolic link in place of the runtime folder, or a folder of ours open to others, is refused', other, async (t) => {
  const shared = sharedTmp(t);
  const folder = join(shared, `oslo-node-${uid}`);
  const target = join(shared, 'elsewhere');
  mkdirSync(target, { mode: 0o700 });
  runAsNobody('fs.symlinkSync(process.argv[1], process.argv[2])', [target, folder]);
  assert.match(await refusedAtStart([], defaultPathEnv(shared), t), /the private folder .* is a symbolic link/);
  assert.deepEqual(readdirSync(target), []);

  rmSync(folder);
  mkdirSync(folder);
  chmodSync(folder, 0o755);
  assert.match(await refusedAtStart([], defaultPathEnv(shared), t), /its mode is 0755 \(group or others have access; expected 0700\)/);
});

test('the launcher makes the folder 0700 and its sockets and record 0600 under umask 002; a named socket in use is refused, not moved', async (t) => {
  const shared = sharedTmp(t);
  const previousMask = process.umask(0o002);
  t.after(() => process.umask(previousMask));
  const first = await startLauncher(['--workers', '1'], { env: defaultPathEnv(shared) });
  t.after(() => first.kill());
  const folder = join(shared, `oslo-node-${uid}`);
  assert.equal(lstatSync(folder).mode & 0o7777, 0o700);
  // Issue 26: each launcher's default sockets are its own, named by its pid, beside its record.
  const own = join(folder, `embedded-${first.pid}.sock`);
  for (const name of [`embedded-${first.pid}.sock`, `control-${first.pid}.sock`, `launcher-${first.pid}.json`])
    assert.equal(lstatSync(join(folder, name)).mode & 0o777, 0o600, name);

  const message = await refusedAtStart(['--embedded-socket', own], defaultPathEnv(shared), t);
  assert.match(
    message,
    /embedded_socket: .*embedded-\d+\.sock is in use by another process \(give each launcher its own embedded_socket\)/,
  );
  assert.deepEqual(
    readdirSync(folder).filter((name) => name.startsWith('embedded')),
    [`embedded-${first.pid}.sock`],
    'the refused launcher bound no socket of its own',
  );

  const call = await cli(defaultPathEnv(shared));
  assert.equal(call.exitCode, 0, call.stderr);
  assert.equal(call.stdout, '5');
});

// What the impostor does: listen first at the path, world-writable, and print what it hears.
const IMPOSTOR = `
const net = require('node:net');
const server = net.createServer((socket) => {
  console.log('connection');
  socket.on('data', (data) => console.log('heard ' + data));
});
server.listen(process.argv[1], () => { require('node:fs').chmodSync(process.argv[1], 0o777); console.log('listening'); });
`;

test("another user's socket at the path: the launcher refuses it and the CLI does not talk to it", other, async (t) => {
  const shared = sharedTmp(t);
  const path = join(shared, 'embedded.sock');
  const impostor = await startAsNobody(IMPOSTOR, [path], 'listening');
  t.after(() => impostor.child.kill('SIGKILL'));

  // Since issue 27, 12 the shared folder itself is refused, before the socket is looked at.
  const message = await refusedAtStart(['--embedded-socket', path], {}, t);
  assert.match(message, /embedded_socket: the folder .* is not private: its mode is 0777/);

  const call = await cli({ OSLO_NODE_EMBEDDED_SOCKET: '' }, '--embedded-socket', path);
  assert.equal(call.exitCode, 2, call.stderr);
  assert.match(call.stderr, /embedded_socket: the folder .* is not private/);
  assert.doesNotMatch(impostor.output(), /connection/, 'the impostor never heard from us');
});

test('a path holding a file that is not a socket is refused and left alone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-notsock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'embedded.sock');
  writeFileSync(path, 'precious');
  assert.match(await refusedAtStart(['--embedded-socket', path], {}, t), /exists and is not a unix socket; refusing to replace it/);
  assert.equal(readFileSync(path, 'utf8'), 'precious');
});
