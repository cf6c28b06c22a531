/**
 * Issue 14, item 4: the service group trusts no peer. A real launcher (embedded transport, two
 * workers); forged casts through its real unix socket: the reproduction (numbers for
 * strings) must not break /v1/services, an unsigned set_disabled must not disable, and a flood of
 * hellos must not make the launcher answer each one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { connectEmbeddedSocket } from '../../../src/rpc/transports/embedded/index.js';
import { httpGet } from '../../helpers/http.js';
import { RPC_CLI, startLauncher } from '../../helpers/launcher.js';
import { delay } from '../../helpers/wait.js';

interface Row {
  host: string;
  state: string;
  disabled: boolean;
  workers: number;
}

test('forged reports, unsigned disables and hello floods leave /v1/services working and unchanged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-sg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'embedded.sock');
  const launcher = await startLauncher(
    ['--workers', '2', '--embedded-socket', socket, '--report-interval', '1', '--service-down-time', '3'],
    {
      env: { OSLO_NODE_ADMIN_TOKEN: 'sg-admin-token' },
    },
  );
  t.after(() => launcher.kill());
  const cli = (...args: string[]) =>
    execa(process.execPath, [RPC_CLI, ...args, '--embedded-socket', socket], { reject: false, timeout: 15_000 });
  const services = async (): Promise<Row[]> => {
    const response = await httpGet(launcher.port, '/v1/services');
    assert.equal(response.status, 200, response.body);
    return (JSON.parse(response.body) as { services: Row[] }).services;
  };

  // The reproduction, word for word.
  const forged = await cli('cast', 'servicegroup', 'report_state', '{"report":{"host":1,"binary":2,"pid":3}}', '--fanout');
  assert.equal(forged.exitCode, 0, forged.stderr);
  await launcher.waitForLine(
    (line) => line.msg === 'dropped a malformed service-group report' && line.field === 'host',
    10_000,
    'the drop log line',
  );
  // Every worker answers (new connections spread over both).
  for (let i = 0; i < 6; i++)
    assert.deepEqual(
      (await services()).map((s) => [s.state, s.disabled, s.workers]),
      [['up', false, 2]],
    );

  // A set_disabled without the admin token's signature is refused.
  const unsigned = await cli(
    'cast',
    'servicegroup',
    'set_disabled',
    JSON.stringify({ request: { host: (await services())[0]!.host, binary: 'demo', disabled: true, reason: 'pwned' } }),
    '--fanout',
  );
  assert.equal(unsigned.exitCode, 0, unsigned.stderr);
  await launcher.waitForLine((line) => line.msg === 'refused an unsigned or badly signed disable request', 10_000, 'the refusal');
  assert.equal((await services())[0]!.disabled, false);

  // 100 hellos from made-up hosts in one burst, each asking for the answer at the spy's queue:
  // count the launcher's reports that reach the spy (its periodic fanout and its hello answers).
  const transport = await connectEmbeddedSocket(socket);
  t.after(() => transport.stop());
  const seen: number[] = [];
  const spy = new RpcServer(transport, { topic: 'servicegroup', server: 'spy' }, [
    { report_state: (_ctx: unknown, args: { report: { pid: number } }) => void seen.push(args.report.pid) },
  ]);
  await spy.start();
  t.after(() => spy.stop());
  const client = new RpcClient(transport, { topic: 'servicegroup', fanout: true });
  const startedAt = performance.now();
  for (let i = 0; i < 100; i++) {
    const report = {
      host: `forged-${i}`,
      binary: 'demo',
      topic: 'demo',
      version: '1',
      pid: 100_000 + i,
      workers: 1,
      pids: [1],
      startedAt: 'x',
      disabled: false,
      disabledReason: null,
      server: 'spy',
    };
    await client.cast({}, 'report_state', { report, hello: true });
  }
  await delay(2500); // time is the subject: the launcher's reports of 2.5 s after the hellos are counted
  const seconds = (performance.now() - startedAt) / 1000;
  const fromLauncher = seen.filter((pid) => pid === launcher.pid).length;
  // One report a second (report_interval) plus at most 5 hello answers a second; unlimited it would be 100+.
  assert.ok(
    fromLauncher <= 6 * Math.ceil(seconds) + 1,
    `the launcher sent ${fromLauncher} reports in ${seconds.toFixed(1)} s after 100 hellos`,
  );
  assert.ok(fromLauncher >= 1, 'the launcher still reports');
  // The made-up hosts are in the table but ours is untouched and the route still answers.
  const rows = await services();
  assert.equal(rows.find((s) => !s.host.startsWith('forged-'))?.state, 'up');
  assert.equal(rows.length, 101);
});
