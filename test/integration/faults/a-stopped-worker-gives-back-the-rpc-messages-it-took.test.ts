/**
 * Issue 30, item 4 (with issue 27's liveness check): a worker SIGSTOPped under steady calls and
 * casts over RabbitMQ held the messages the broker had delivered to it (20-29 in 3 s). Now the
 * launcher declares it hung after worker_heartbeat_timeout, replaces it and kills it at the
 * drain bound; the broker then requeues what it took and never acknowledged, and the other
 * workers handle it: every call whose timeout outlasts heartbeat + drain is answered, every
 * cast is handled exactly once (a request is acknowledged before it runs, so one the stopped
 * worker started is never run again).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { privateVhost, withBroker } from '../../helpers/broker.js';
import { CAST_LOG_SERVICE_FLAGS, castLog } from '../../helpers/cast-log.js';
import { amqpClient, echoCall, type CallOutcome } from '../../helpers/fault-rpc.js';
import { startLauncher, waitForPidGone } from '../../helpers/launcher.js';
import { delay, until } from '../../helpers/wait.js';

const CALL_TIMEOUT_S = 30;
const HEARTBEAT_TIMEOUT_S = 2;
const DRAIN_S = 3;

test('a SIGSTOPped worker is killed by the liveness check and the broker gives its messages to the others', async (t) => {
  const broker = await withBroker(t);
  if (!broker) return;
  const { url } = await privateVhost(t, broker);
  const casts = castLog(t, 'oslo-node-stopped-');
  const launcher = await startLauncher(
    [
      '--workers',
      '2',
      '--transport-url',
      url,
      ...CAST_LOG_SERVICE_FLAGS,
      '--no-access-log',
      '--worker-heartbeat-timeout',
      String(HEARTBEAT_TIMEOUT_S),
      '--graceful-shutdown-timeout',
      String(DRAIN_S),
    ],
    { env: casts.env, timeoutMs: 60_000 },
  );
  t.after(() => launcher.kill());
  const [victim] = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  t.after(() => {
    try {
      process.kill(victim!, 'SIGCONT');
    } catch {
      // Killed by the launcher, as it should be.
    }
  });
  const { client } = await amqpClient(t, url, 'openstack', { timeoutSeconds: CALL_TIMEOUT_S });

  const calls: CallOutcome[] = [];
  const confirmed = new Set<number>();
  let nextCast = 1;
  let running = true;
  const lane = async (): Promise<void> => {
    for (let n = 0; running; n++) {
      echoCall(client, n, calls);
      const value = nextCast++;
      void client.cast({}, 'record', { value }).then(() => confirmed.add(value));
      await delay(40); // load pacing: about 25 calls and 25 casts a second
    }
  };
  const load = lane();
  t.after(async () => {
    running = false;
    await load;
  });
  await until('calls answered', () => calls.filter((c) => c.end && !c.error).length >= 20, { timeoutMs: 30_000 });

  const stoppedAt = Date.now();
  process.kill(victim!, 'SIGSTOP');
  const hung = await launcher.waitForLine(
    (line) => line.workerPid === victim && /sent no heartbeat for/.test(line.msg),
    HEARTBEAT_TIMEOUT_S * 1000 + 10_000,
    'the stopped worker declared hung',
  );
  await waitForPidGone(victim!, (DRAIN_S + 10) * 1000);
  const killedAt = Date.now();
  await until('a call started after the kill answered', () => calls.some((c) => c.start > killedAt && c.end && !c.error), {
    timeoutMs: 30_000,
  });
  running = false;
  await load;
  await until('every call settled', () => calls.every((c) => c.end !== undefined), { timeoutMs: (CALL_TIMEOUT_S + 10) * 1000 });
  await until('every cast confirmed', () => confirmed.size === nextCast - 1, { timeoutMs: 30_000 });
  await casts.waitForAll(confirmed);

  const failed = calls.filter((c) => c.error);
  // Calls the stopped worker had taken: answered only once the broker requeued them at its kill.
  const waited = calls.filter((c) => c.start >= stoppedAt && c.end! >= killedAt - 500 && c.end! - c.start > HEARTBEAT_TIMEOUT_S * 1000);
  const counts = casts.counts();
  const twice = [...counts].filter(([, n]) => n > 1);
  t.diagnostic(
    `${calls.length} calls (${failed.length} failed), ${waited.length} waited for the stopped worker's kill ` +
      `(declared hung after ${String(hung.silentMs)} ms, killed ${killedAt - stoppedAt} ms after SIGSTOP); ` +
      `${confirmed.size} casts, ${twice.length} handled twice`,
  );
  assert.deepEqual(
    failed.map((c) => `${c.error!.name}: ${c.error!.message}`),
    [],
    'every call answered',
  );
  assert.ok(waited.length >= 1, `the stopped worker held calls that others answered after its kill (${waited.length})`);
  assert.deepEqual(twice, [], 'no cast handled twice');
  assert.equal(counts.size, confirmed.size, 'every confirmed cast handled');
});
