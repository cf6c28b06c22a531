/**
 * The messaging driver on a real RabbitMQ with real launchers: the `servicegroup` fanout carries
 * one report per host per interval (from the launcher, its workers folded in), not one per worker,
 * and a disable made on one host reaches the other only signed with the shared admin token.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RpcServer } from '../../../src/rpc/server.js';
import { startTransport, withBroker } from '../../helpers/broker.js';
import { delay, until } from '../../helpers/wait.js';
import { httpGet } from '../../helpers/http.js';
import { startLauncher, type RunningLauncher } from '../../helpers/launcher.js';

interface Row {
  host: string;
  state: string;
  workers: number;
  pids: number[];
  disabled: boolean;
  disabledReason: string | null;
}

test('over RabbitMQ: one report per host per interval whatever its workers; a signed disable reaches the other host', async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const tag = randomBytes(4).toString('hex');
  const exchange = `sg_test_${tag}`;
  const common = ['--transport-url', url, '--control-exchange', exchange, '--report-interval', '1', '--service-down-time', '3'];
  const env = { OSLO_NODE_ADMIN_TOKEN: 'mq-admin-token' };
  const a = await startLauncher(['--workers', '3', '--service-host', `a-${tag}`, ...common], { env });
  t.after(() => a.kill());
  const b = await startLauncher(['--workers', '1', '--service-host', `b-${tag}`, ...common], { env });
  t.after(() => b.kill());

  // Listen to the fanout like any member would and count who reports.
  const transport = await startTransport(t, url, { control_exchange: exchange });
  const reporters: Array<{ host: string; pid: number; workers: number }> = [];
  const spy = new RpcServer(
    transport,
    { topic: 'servicegroup', server: `spy-${tag}` },
    [
      {
        report_state: (_ctx: unknown, args: { report: { host: string; pid: number; workers: number } }) => void reporters.push(args.report),
      },
    ],
    { controlExchange: exchange },
  );
  await spy.start();
  t.after(() => spy.stop());
  const startedAt = performance.now();
  await delay(4000); // time is the subject: the reports of 4 s are counted
  const seconds = (performance.now() - startedAt) / 1000;
  const fromA = reporters.filter((report) => report.host === `a-${tag}`);
  assert.ok(
    fromA.length >= seconds - 1.5 && fromA.length <= seconds + 1.5,
    `${fromA.length} reports from host a (3 workers) in ${seconds.toFixed(1)} s at report_interval 1`,
  );
  assert.deepEqual(new Set(fromA.map((report) => report.pid)), new Set([a.pid]), 'the launcher reports, not its workers');
  assert.ok(
    fromA.every((report) => report.workers === 3),
    'with its 3 workers folded in',
  );

  const rows = async (launcher: RunningLauncher): Promise<Row[]> =>
    (JSON.parse((await httpGet(launcher.port, '/v1/services')).body) as { services: Row[] }).services;
  const seenByB = (await rows(b)).find((row) => row.host === `a-${tag}`)!;
  assert.deepEqual([seenByB.state, seenByB.workers, seenByB.pids.length], ['up', 3, 3]);

  // Disable b through a's admin route: b verifies the HMAC with its own token and takes it.
  const disable = await httpGet(a.port, '/v1/services/disable', {
    method: 'POST',
    headers: { authorization: 'Bearer mq-admin-token' },
    body: JSON.stringify({ host: `b-${tag}`, reason: 'drain' }),
  });
  assert.equal(disable.status, 200, disable.body);
  const own = await until(
    'b to read itself disabled',
    async () => {
      const row = (await rows(b)).find((row) => row.host === `b-${tag}`);
      return row?.disabled ? row : undefined;
    },
    { timeoutMs: 5000, intervalMs: 100 },
  );
  assert.deepEqual([own?.disabled, own?.disabledReason], [true, 'drain']);
  // b's own reports now carry the flag to everyone: its next one (report_interval 1) says so.
  const fromB = (): Row[] => reporters.filter((report) => report.host === `b-${tag}`) as unknown as Row[];
  const reportsBefore = fromB().length;
  await until(
    'a report from b that carries the flag',
    () =>
      fromB()
        .slice(reportsBefore)
        .some((report) => report.disabled),
    { timeoutMs: 5000 },
  );
  assert.ok(fromB().at(-1)!.disabled, 'b keeps reporting itself disabled');
});
