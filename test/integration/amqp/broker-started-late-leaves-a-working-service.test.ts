/**
 * The broker is not there when the launcher starts, and comes 30 s later (the case).
 * Workers keep retrying with oslo's backoff and log each attempt (host, attempt, next delay);
 * worker_start_timeout (5 s here, far shorter than the wait) kills none of them, because each
 * attempt tells the launcher the worker is waiting, not hung; nothing exits or restarts; the
 * launcher is ready as soon as the broker answers, and RPC calls work. Bad credentials, by
 * contrast, are not retried: exit 2 with the broker's reason, no restarts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startPrivateBroker, withBroker } from '../../helpers/broker.js';
import { httpGet } from '../../helpers/http.js';
import { startLauncher, type LogLine } from '../../helpers/launcher.js';

const BROKER_LATE_MS = 30_000;
const RETRY_LINE = 'cannot connect to the AMQP broker; retrying';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const time = (line: LogLine): number => Date.parse(String(line.time));

test('a broker started 30 s after the launcher: workers wait and log each attempt, nothing exits or restarts, then they serve', {
  timeout: 150_000,
}, async (t) => {
  // The private broker below needs the same installation as the shared one.
  if (!(await withBroker(t))) return;
  const port = await freePort();
  const fast = ['--rabbit-retry-interval', '1', '--rabbit-retry-backoff', '1', '--rabbit-interval-max', '4'];
  const launcher = await startLauncher(
    ['--workers', '2', '--worker-start-timeout', '5', '--transport-url', `rabbit://guest:guest@127.0.0.1:${port}/`, ...fast],
    { waitReady: false },
  );
  t.after(() => launcher.kill());
  const t0 = time(await launcher.waitForLine((line) => line.msg === 'worker forked', 20_000, 'the first worker forked'));

  // Every attempt is logged with the host, its number and the wait before the next one.
  const second = await launcher.waitForLine((line) => line.msg === RETRY_LINE && Number(line.attempt) >= 2, 20_000, 'a second attempt');
  assert.match(String(second.broker), new RegExp(`^amqp://guest@127\\.0\\.0\\.1:${port}$`), 'the host, user but no password');
  assert.equal(typeof second.nextDelayMs, 'number');
  assert.ok(Number(second.nextDelayMs) <= 4000, 'rabbit_interval_max bounds the wait');
  assert.ok(!String(second.err).includes('guest:guest'), 'no password in the log');

  // 30 s of retries (waited for through the retry lines themselves), then the broker comes.
  await launcher.waitForLine(
    (line) => line.msg === RETRY_LINE && time(line) - t0 >= BROKER_LATE_MS,
    BROKER_LATE_MS + 20_000,
    '30 s of retries',
  );
  assert.equal(
    launcher.lines.some((line) => line.msg === 'launcher ready'),
    false,
    'not ready without the broker',
  );
  await startPrivateBroker(t, 'late', { OSLO_NODE_RABBITMQ_PORT: String(port) });

  const ready = await launcher.waitForLine((line) => line.msg === 'launcher ready', 30_000, 'launcher ready');
  const retries = launcher.lines.filter((line) => line.msg === RETRY_LINE);
  assert.deepEqual([...new Set(retries.map((line) => line.worker))].sort(), [1, 2], 'both workers retried');
  const attempts = Math.max(...retries.map((line) => Number(line.attempt)));
  assert.ok(attempts >= 8, `attempts follow the capped backoff (${attempts} in 30 s)`);
  // On failure, what the launcher and its workers said from the broker's start on.
  const sinceBroker = (): string =>
    launcher.lines
      .filter((line) => time(line) >= time(ready) - 20_000)
      .map((line) => JSON.stringify(line))
      .join('\n');
  for (const bad of ['worker did not become ready in time; killing it', 'worker died unexpectedly', 'restarting worker']) {
    assert.equal(
      launcher.lines.some((line) => line.msg === bad),
      false,
      `no "${bad}":\n${sinceBroker()}`,
    );
  }
  const forked = launcher.lines.filter((line) => time(line) <= time(ready) && line.msg === 'worker forked');
  assert.deepEqual(forked.map((line) => line.slot).sort(), [1, 2], `no worker was replaced: ${JSON.stringify(forked)}`);

  const httpPort = Number(ready.port);
  const ping = await httpGet(httpPort, '/v1/rpc/ping');
  assert.equal(ping.status, 200, ping.body);
  const echo = await httpGet(httpPort, '/v1/rpc/echo', {
    method: 'POST',
    body: '{"value":"late"}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(echo.status, 200, echo.body);
  assert.match(echo.body, /late/);
});

test('bad credentials are not retried: the launcher exits 2 with the broker reason, without restarts', { timeout: 60_000 }, async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const wrong = brokerUrl.replace(/^amqp:\/\/guest:guest@/, 'rabbit://guest:not-the-password@');
  assert.notEqual(wrong, brokerUrl);
  const launcher = await startLauncher(['--workers', '2', '--transport-url', wrong], { waitReady: false });
  t.after(() => launcher.kill());
  const exit = await launcher.exited;
  assert.equal(exit.code, 2);
  const fatal = launcher.lines.find((line) => line.level === 60 && /stopping the launcher/.test(line.msg));
  assert.ok(fatal, 'a fatal line says why the launcher stops');
  assert.match(fatal.msg, /ACCESS[-_]REFUSED/);
  assert.ok(
    !launcher.rawLines.join('\n').includes('not-the-password') &&
      !launcher.lines.some((line) => JSON.stringify(line).includes('not-the-password')),
  );
  assert.equal(
    launcher.lines.some((line) => line.msg === RETRY_LINE),
    false,
    'no retry',
  );
  assert.equal(
    launcher.lines.some((line) => line.msg === 'restarting worker'),
    false,
    'no restart',
  );
});
