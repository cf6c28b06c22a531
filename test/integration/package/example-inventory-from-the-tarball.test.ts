/**
 * A user's own service, from outside the repo (issue 25, "Done when"): examples/inventory is
 * copied to a temporary folder, the package's `npm pack` tarball is installed into it, the copy
 * is built with its own tsc, and `oslo-node` (the installed package's bin) runs its manager, HTTP
 * app and pool tasks (a periodic one and one from an RPC method and the app), first over the
 * embedded transport, then over RabbitMQ. The project's standalone client (getRpcTransport,
 * getNotificationTransport) calls it both ways and notifies a Python oslo.messaging listener.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { privateVhost, withBroker } from '../../helpers/broker.js';
import { httpGet } from '../../helpers/http.js';
import { startLauncher, type RunningLauncher } from '../../helpers/launcher.js';
import { REPO_ROOT } from '../../helpers/package.js';
import { HOST_PYTHON, rabbitUrl, spawnPythonPeer } from '../../helpers/python-peer.js';

interface Project {
  dir: string;
  bin: string;
}

/** Pack the package, copy the example next to the tarball, install it there and build it. */
async function installedExample(t: TestContext): Promise<Project> {
  const work = mkdtempSync(join(tmpdir(), 'oslo-node-example-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet (npm test built it).
  const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  const dir = join(work, 'inventory');
  cpSync(join(REPO_ROOT, 'examples/inventory'), dir, { recursive: true, filter: (path) => !/\/(node_modules|dist)$|\.tgz$/.test(path) });
  await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, filename)], { cwd: dir });
  await execa('npm', ['run', 'build'], { cwd: dir });
  return { dir, bin: join(dir, 'node_modules/oslo-node/dist/launcher.js') };
}

async function startInventory(
  t: TestContext,
  project: Project,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunningLauncher> {
  const launcher = await startLauncher(
    [
      '--manager',
      'dist/manager.js',
      '--app',
      'dist/app.js',
      '--binary',
      'inventory',
      '--topic',
      'inventory',
      '--log-format',
      'json',
      ...args,
    ],
    {
      entry: project.bin,
      cwd: project.dir,
      env,
      timeoutMs: 60_000,
    },
  );
  t.after(() => launcher.kill());
  return launcher;
}

function client(project: Project, args: string[], env: Record<string, string>) {
  return execa(process.execPath, ['dist/client.js', ...args], { cwd: project.dir, env, reject: false, timeout: 30_000 });
}

async function stopCleanly(launcher: RunningLauncher): Promise<void> {
  launcher.child.kill('SIGTERM');
  assert.deepEqual(await launcher.exited, { code: 0, signal: null });
}

test('examples/inventory from the tarball: its manager, app and pool tasks over the embedded transport and RabbitMQ', {
  timeout: 300_000,
}, async (t) => {
  const project = await installedExample(t);
  const sockets = mkdtempSync(join(tmpdir(), 'oslo-node-example-sock-'));
  t.after(() => rmSync(sockets, { recursive: true, force: true }));
  const embeddedSocket = join(sockets, 'embedded.sock');

  await t.test('embedded transport', async (st) => {
    const launcher = await startInventory(st, project, ['--workers', '1', '--embedded-socket', embeddedSocket]);
    // The periodic task ran this project's pool module (runImmediately).
    await launcher.waitForLine(
      (line) => line.msg === 'inventory audit done' && typeof line.checksum === 'string',
      30_000,
      'the periodic audit',
    );

    const added = await httpGet(launcher.port, '/items', { method: 'POST', body: JSON.stringify({ name: 'bolt', count: 3 }) });
    assert.equal(added.status, 200, added.body);
    assert.deepEqual(JSON.parse(added.body), { name: 'bolt', count: 3 });
    const fromClient = await client(project, ['add', 'bolt', '2'], { EMBEDDED_SOCKET: embeddedSocket });
    assert.equal(fromClient.exitCode, 0, fromClient.stderr);
    assert.deepEqual(JSON.parse(fromClient.stdout), { name: 'bolt', count: 5 });
    const listed = await httpGet(launcher.port, '/items');
    assert.deepEqual(JSON.parse(listed.body), [{ name: 'bolt', count: 5 }]);

    // The pool from the app and from an RPC method: the same module, the same answer.
    const fromApp = await httpGet(launcher.port, '/checksum?text=abc');
    assert.equal(fromApp.status, 200, fromApp.body);
    const { checksum } = JSON.parse(fromApp.body) as { checksum: string };
    assert.match(checksum, /^[0-9a-f]{64}$/);
    const fromRpc = await client(project, ['checksum', 'abc'], { EMBEDDED_SOCKET: embeddedSocket });
    assert.equal(fromRpc.exitCode, 0, fromRpc.stderr);
    assert.deepEqual(JSON.parse(fromRpc.stdout), { checksum, rounds: 1000 }, 'the RPC method ran the same pool module');
    const bad = await httpGet(launcher.port, '/items', { method: 'POST', body: JSON.stringify({ name: '' }) });
    assert.equal(bad.status, 502, 'a remote TypeError comes back as the RPC failure it is');
    await stopCleanly(launcher);
  });

  await t.test('RabbitMQ, with a Python oslo.messaging notification listener', async (st) => {
    const broker = await withBroker(st);
    if (!broker) return;
    const { url } = await privateVhost(st, broker);
    const python = HOST_PYTHON.command('oslo_notify.py', ['listen', rabbitUrl(url), JSON.stringify({ topics: ['notifications'] })]);
    const listener = spawnPythonPeer(st, [python.file, ...python.args]);
    await listener.waitEvent((event) => event.event === 'ready', 30_000);

    const launcher = await startInventory(st, project, ['--workers', '2', '--transport-url', url], {
      OSLO_NODE_NOTIFICATION_DRIVER: 'messagingv2',
    });
    const env = { TRANSPORT_URL: rabbitUrl(url) };
    const added = await client(project, ['add', 'nut', '4'], env);
    assert.equal(added.exitCode, 0, added.stderr);
    assert.deepEqual(JSON.parse(added.stdout), { name: 'nut', count: 4 });
    const checksum = await httpGet(launcher.port, '/checksum?text=abc');
    assert.equal(checksum.status, 200, checksum.body);

    const sent = await client(project, ['notify', 'inventory.client.hello', '{"from": "node"}'], env);
    assert.equal(sent.exitCode, 0, sent.stderr);
    const fromService = await listener.waitEvent(
      (event) => event.event === 'notification' && event.event_type === 'inventory.item.added',
      30_000,
    );
    assert.deepEqual(fromService.payload, { name: 'nut', count: 4 });
    const fromClient = await listener.waitEvent(
      (event) => event.event === 'notification' && event.event_type === 'inventory.client.hello',
      30_000,
    );
    assert.equal(fromClient.publisher_id, 'inventory-client.local');
    assert.deepEqual(fromClient.payload, { from: 'node' });
    await stopCleanly(launcher);
  });
});
