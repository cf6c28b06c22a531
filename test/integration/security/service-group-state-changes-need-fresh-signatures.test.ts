/**
 * Issue 27, findings 2 and 3, against a real launcher (embedded transport) and casts through its
 * real unix socket:
 * - a cast `report_state` saying `"disabled": true` used to show the host disabled: a report
 *   never sets the state now; only a signed change does (`disabledProof`, checked);
 * - an unsigned `leave` marked a live host down until its next report: now it is ignored;
 * - a captured signed disable replayed 4.6 s after an enable disabled the host again, for good:
 *   now a change not newer than the state held is refused, and one older than 5 s is stale;
 * - a newcomer's hello is answered with the host's own signed state, which it can check.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { connectEmbeddedSocket } from '../../../src/rpc/transports/embedded/index.js';
import { checkDisableSignature } from '../../../src/servicegroup/signed-disable.js';
import { httpGet } from '../../helpers/http.js';
import { startLauncher } from '../../helpers/launcher.js';
import { until } from '../../helpers/wait.js';

const TOKEN = 'sg-admin-token';

interface Row {
  host: string;
  binary: string;
  state: string;
  disabled: boolean;
  disabledReason: string | null;
  pids: number[];
}

test('service-group state changes need a fresh signature, newer than the state held', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-sg-sig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'embedded.sock');
  const launcher = await startLauncher(
    ['--workers', '2', '--embedded-socket', socket, '--report-interval', '1', '--service-down-time', '3'],
    {
      env: { OSLO_NODE_ADMIN_TOKEN: TOKEN },
    },
  );
  t.after(() => launcher.kill());
  const own = async (): Promise<Row> => {
    const response = await httpGet(launcher.port, '/v1/services');
    assert.equal(response.status, 200, response.body);
    return (JSON.parse(response.body) as { services: Row[] }).services.find((row) => !row.host.startsWith('forged'))!;
  };
  const admin = (what: 'disable' | 'enable') =>
    httpGet(launcher.port, `/v1/services/${what}`, {
      method: 'POST',
      body: JSON.stringify({ reason: 'maintenance' }),
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    });
  const { host, binary } = await own();

  const transport = await connectEmbeddedSocket(socket);
  t.after(() => transport.stop());
  const disables: Array<{ request: unknown; at: number; sig: string }> = [];
  const answers: Array<{ report: Record<string, unknown> }> = [];
  const spy = new RpcServer(transport, { topic: 'servicegroup', server: 'spy' }, [
    {
      set_disabled: (_ctx: unknown, args: { request: unknown; at: number; sig: string }) => void disables.push(args),
      report_state: (_ctx: unknown, args: { report: Record<string, unknown>; hello?: boolean }) => {
        if (args.report.pid === launcher.pid) answers.push(args);
      },
    },
  ]);
  await spy.start();
  t.after(() => spy.stop());
  const bus = new RpcClient(transport, { topic: 'servicegroup', fanout: true });

  // 2: a forged report of our host with a new pid, saying disabled: counted as a member, not believed.
  const forged = {
    host,
    binary,
    topic: binary,
    version: '1',
    pid: 999_999,
    workers: 1,
    pids: [999_998],
    startedAt: new Date().toISOString(),
    disabled: true,
    disabledReason: 'forged',
  };
  await bus.cast({}, 'report_state', { report: forged, hello: false });
  await until('the forged report to be counted', async () => (await own()).pids.includes(999_998));
  assert.deepEqual([(await own()).disabled, (await own()).disabledReason], [false, null], 'a report does not disable');

  // 2: a report carrying a badly signed state is not believed either.
  await bus.cast({}, 'report_state', {
    report: { ...forged, disabledProof: { disabled: true, reason: 'forged', at: Date.now(), sig: 'ab'.repeat(32) } },
  });
  await launcher.waitForLine(
    (line) => line.msg === 'ignored the unsigned or badly signed disabled state of a report',
    10_000,
    'the refused proof',
  );
  assert.equal((await own()).disabled, false);

  // 2: an unsigned leave of the real reporter is ignored; its workers stay listed.
  await bus.cast({}, 'leave', { host, binary, pid: launcher.pid });
  await launcher.waitForLine((line) => line.msg === 'ignored an unsigned or badly signed leave', 10_000, 'the ignored leave');
  const workerPids = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  const listed = (await own()).pids;
  assert.ok(
    workerPids.every((pid) => listed.includes(pid)),
    `the real member is still there: ${listed.join(', ')}`,
  );

  // 3: capture a signed disable, enable, then replay the capture within the window: refused.
  assert.equal((await admin('disable')).status, 200);
  await until('the signed disable cast', () => disables.length >= 1);
  const captured = disables[0]!;
  assert.equal(
    checkDisableSignature(TOKEN, captured.request as never, captured.at, captured.sig, null),
    undefined,
    'a genuine signed change',
  );
  assert.equal((await own()).disabled, true);
  assert.equal((await admin('enable')).status, 200);
  assert.equal((await own()).disabled, false);
  await bus.cast({}, 'set_disabled', captured);
  await launcher.waitForLine(
    (line) => line.msg === 'refused a disable request older than the state held (a replay?)',
    10_000,
    'the refused replay',
  );
  assert.equal((await own()).disabled, false, 'the replay did not disable');

  // 3: the same capture more than 5 s old is stale whatever the state.
  await until('the capture to be over 5 s old', () => Date.now() - captured.at > 5500, { timeoutMs: 10_000, intervalMs: 100 });
  await bus.cast({}, 'set_disabled', captured);
  await launcher.waitForLine(
    (line) => line.msg === 'refused an unsigned or badly signed disable request' && line.why === 'stale time',
    10_000,
    'the stale refusal',
  );
  assert.equal((await own()).disabled, false);

  // A newcomer's hello is answered (as every report of the host is sent) with its own signed state.
  assert.equal((await admin('disable')).status, 200);
  answers.length = 0;
  await bus.cast({}, 'report_state', {
    report: { ...forged, host: 'forged-newcomer', pid: 4242, disabled: false, server: 'spy' },
    hello: true,
  });
  const carrying = await until('a report carrying the signed state', () =>
    answers.find((answer) => (answer.report.disabledProof as { disabled?: boolean } | undefined)?.disabled === true),
  );
  const proof = carrying.report.disabledProof as { disabled: boolean; reason: string; at: number; sig: string };
  assert.equal(proof.disabled, true);
  assert.equal(
    checkDisableSignature(TOKEN, { host, binary, disabled: true, reason: proof.reason }, proof.at, proof.sig, null),
    undefined,
    'the newcomer can check it',
  );
});
