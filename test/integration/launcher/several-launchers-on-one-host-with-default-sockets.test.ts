// Issue 26, item 4: two launchers on one host with default socket options (only --port differs)
// both serve; oslo-node-rpc --port / --binary, oslo-node-ctl --port / --binary and
// getRpcTransport({ config: { port } }) reach the right one; several that match are listed
// (exit 2) with binary, port and pid; `oslo-node-ctl status` with none named shows both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { freePort, httpGet } from '../../helpers/http.js';
import { CTL, RPC_CLI, childPids, startLauncher, type RunningLauncher } from '../../helpers/launcher.js';
import { jsonLines, userProject } from '../../helpers/user-program.js';

interface Status {
  launcher: { pid: number; port: number; binary: string | null; workers: number; configuredWorkers: number };
}

/** argv[2]: getRpcTransport's options. Prints the demo's ping answer. */
const PING = `
import { getRpcTransport, RpcClient } from 'oslo-node';
const transport = await getRpcTransport(JSON.parse(process.argv[2]));
try {
  console.log(JSON.stringify(await new RpcClient(transport, { topic: 'demo' }, { timeoutSeconds: 20 }).call({}, 'ping', {})));
} finally {
  await transport.stop();
}
`;

test('two launchers differing only in --port both serve with default sockets; rpc and ctl choose by --port and --binary', {
  timeout: 180_000,
}, async (t) => {
  const user = userProject(t);
  user.write('ping.mjs', PING);
  const env = user.env; // a private XDG_RUNTIME_DIR, no socket named
  const run = (program: string, ...args: string[]) => execa(process.execPath, [program, ...args], { reject: false, env, timeout: 60_000 });
  const start = async (args: string[]): Promise<RunningLauncher> => {
    const launcher = await startLauncher(['--workers', '1', '--no-prefork-spare', ...args], { env });
    t.after(() => launcher.kill());
    return launcher;
  };
  const [portA, portB] = [await freePort(), await freePort()];
  const a = await start(['--port', String(portA)]);
  const b = await start(['--port', String(portB)]);
  assert.deepEqual([a.port, b.port], [portA, portB]);
  for (const launcher of [a, b]) assert.equal((await httpGet(launcher.port, '/healthz')).status, 200);

  /** The launcher whose worker answered oslo-node-rpc's `demo.ping`. */
  const rpcReaches = async (...args: string[]): Promise<number> => {
    const result = await run(RPC_CLI, 'call', 'demo', 'ping', '--timeout', '20', ...args);
    assert.equal(result.exitCode, 0, result.stderr);
    const { pid } = JSON.parse(result.stdout) as { pid: number };
    return [a, b].find((launcher) => childPids(launcher.pid).includes(pid))?.pid ?? -1;
  };
  assert.equal(await rpcReaches('--port', String(portA)), a.pid);
  assert.equal(await rpcReaches('--port', String(portB)), b.pid);

  // getRpcTransport() with no URL follows the same rule, `port` from its config.
  for (const launcher of [a, b]) {
    const result = await user.run('ping.mjs', [JSON.stringify({ config: { port: launcher.port } })]);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.ok(
      childPids(launcher.pid).includes(Number(jsonLines(result.stdout).at(-1)?.pid)),
      `getRpcTransport port ${launcher.port}: ${result.stdout}`,
    );
  }
  const unchosen = await user.run('ping.mjs', ['{}']);
  assert.match(
    unchosen.stderr,
    /ERR_CONTROL_AMBIGUOUS|2 launchers run on this host/,
    'getRpcTransport with neither binary nor port is refused with the listing',
  );

  // Several match: the listing names both (binary, port, pid), exit 2.
  const listed = (stderr: string): void => {
    for (const launcher of [a, b])
      assert.ok(stderr.includes(`binary demo port ${launcher.port} pid ${launcher.pid}`), `names launcher ${launcher.pid}: ${stderr}`);
  };
  for (const args of [[], ['--binary', 'demo']]) {
    const ambiguous = await run(RPC_CLI, 'call', 'demo', 'ping', ...args);
    assert.equal(ambiguous.exitCode, 2, ambiguous.stderr);
    assert.match(ambiguous.stderr, /2 launchers run .*choose one with --binary NAME, --port N or --embedded-socket PATH/);
    listed(ambiguous.stderr);
  }
  const reload = await run(CTL, 'reload');
  assert.equal(reload.exitCode, 2, reload.stderr);
  assert.match(reload.stderr, /^oslo-node-ctl reload: 2 launchers run on this host .*--pid-file FILE or --control-socket PATH/);
  listed(reload.stderr);

  // ctl by --port reaches the right one.
  for (const launcher of [a, b]) {
    const result = await run(CTL, 'status', '--json', '--port', String(launcher.port));
    assert.equal(result.exitCode, 0, result.stderr);
    const status = JSON.parse(result.stdout) as Status;
    assert.deepEqual([status.launcher.pid, status.launcher.port, status.launcher.binary], [launcher.pid, launcher.port, 'demo']);
  }
  const nobody = await run(CTL, 'status', '--port', String(await freePort()));
  assert.equal(nobody.exitCode, 3, nobody.stderr);
  assert.match(nobody.stderr, /no launcher with port \d+ runs on this host; running: binary demo port/);

  // status with none named shows both: one JSON document a line, a table each.
  const every = await run(CTL, 'status', '--json');
  assert.equal(every.exitCode, 0, every.stderr);
  assert.deepEqual(
    jsonLines(every.stdout)
      .map((line) => (line as unknown as Status).launcher.pid)
      .sort(),
    [a.pid, b.pid].sort(),
  );
  const tables = await run(CTL, 'status');
  assert.equal(tables.exitCode, 0, tables.stderr);
  for (const launcher of [a, b])
    assert.match(tables.stdout, new RegExp(`^launcher pid ${launcher.pid}  binary demo .* port ${launcher.port} `, 'm'));

  // Another binary: --binary chooses it, and the demo binary is the only one left once b stops.
  const stop = await run(CTL, 'stop', '--port', String(portB));
  assert.equal(stop.exitCode, 0, stop.stderr);
  assert.deepEqual(await b.exited, { code: 0, signal: null });
  const c = await start(['--binary', 'other', '--port', String(portB)]);
  const other = await run(RPC_CLI, 'call', 'other', 'ping', '--binary', 'other', '--timeout', '20');
  assert.equal(other.exitCode, 0, other.stderr);
  assert.ok(
    childPids(c.pid).includes((JSON.parse(other.stdout) as { pid: number }).pid),
    'oslo-node-rpc --binary other reached the launcher of binary other',
  );
  assert.equal(await rpcReaches('--binary', 'demo'), a.pid);
  const byBinary = await run(CTL, 'status', '--json', '--binary', 'other');
  assert.equal((JSON.parse(byBinary.stdout) as Status).launcher.pid, c.pid, byBinary.stderr);
});
