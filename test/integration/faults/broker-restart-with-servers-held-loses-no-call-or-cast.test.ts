/**
 * Issue 30's forced case: a private RabbitMQ is stopped (stop_app) and started again under
 * steady calls and casts, and the servers are held (SIGSTOP of every launcher child) until 6 s
 * after the client is back, so the client publishes while no server queue exists (on 3.x
 * stop_app deletes the non-durable `demo` queue). With the default (mandatory, published again
 * until a queue takes it):
 * - no call started after the broker went down ends in MessagingTimeout: every one succeeds;
 * - every cast the client saw confirmed is handled exactly once (cast-log-manager records them);
 * - a cast that no queue can take within its rpc_cast_timeout fails with MessageDeliveryFailure
 *   naming the topic, and is never handled;
 * - the workers log the blip as WARN ("AMQP connection back after …"), never ERROR, and the
 *   spare that took a slot before the outage logs with its `worker` slot.
 * The same on RabbitMQ 4 with quorum queues, where `demo` survives the restart: there the held
 * casts wait in the queue instead (nothing better, nothing worse).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { MessageDeliveryFailure, MessagingTimeout } from '../../../src/rpc/errors.js';
import { RABBITMQ4, rabbit, startPrivateBroker, withBroker } from '../../helpers/broker.js';
import { CAST_LOG_SERVICE_FLAGS, castLog } from '../../helpers/cast-log.js';
import { amqpClient, echoCall, type CallOutcome } from '../../helpers/fault-rpc.js';
import { childPids, optionFlags, startLauncher, type LogLine } from '../../helpers/launcher.js';
import { delay, until } from '../../helpers/wait.js';
import { trixieRoot } from '../rabbitmq4/support.js';

const CALL_TIMEOUT_S = 45;
/** How long the servers stay held after the client is back (the issue's 6 s). */
const HOLD_AFTER_CLIENT_BACK_MS = 6000;
/** rpc_cast_timeout of the client whose casts cannot be delivered in time. */
const SHORT_CAST_TIMEOUT_S = 3;

async function forcedRestart(t: TestContext, rabbitmq4: boolean): Promise<void> {
  const flags = rabbitmq4 ? [...RABBITMQ4] : [];
  const broker = await startPrivateBroker(t, rabbitmq4 ? 'held4' : 'held', {}, flags);
  const ctl = (command: string): Promise<string> => rabbit([...flags, command], broker.dir);
  const casts = castLog(t, 'oslo-node-held-');
  const options: Record<string, number | boolean> = {
    rabbit_retry_interval: 0.5,
    rabbit_retry_backoff: 0.5,
    rabbit_interval_max: 2,
    kombu_reconnect_delay: 0.5,
    ...(rabbitmq4 ? { rabbit_quorum_queue: true, rabbit_transient_quorum_queue: true } : {}),
  };
  const launcher = await startLauncher(
    ['--workers', '2', '--transport-url', broker.url, ...CAST_LOG_SERVICE_FLAGS, '--no-access-log', ...optionFlags(options)],
    { env: casts.env, timeoutMs: 60_000 },
  );
  let held: number[] = [];
  t.after(async () => {
    for (const pid of held) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone already
      }
    }
    launcher.child.kill('SIGTERM');
    const timer = setTimeout(() => launcher.kill(), 15_000);
    await launcher.exited;
    clearTimeout(timer);
  });

  // A spare takes a slot before the outage: its AMQP lines must carry that slot from then on.
  const spareLine = await launcher.waitForLine((line) => line.msg === 'spare worker loaded and waiting', 60_000, 'the spare loaded');
  const sparePid = Number(spareLine.workerPid);
  const firstWorker = await launcher.waitForLine((line) => line.msg === 'worker ready', 30_000, 'a worker ready');
  process.kill(Number(firstWorker.workerPid), 'SIGKILL'); // no load yet: nothing in flight on it
  const assigned = await launcher.waitForLine(
    (line) => line.msg === 'spare worker assigned' && Number(line.workerPid) === sparePid,
    30_000,
    'the spare assigned',
  );
  await launcher.waitForLine(
    (line) => line.msg === 'worker ready' && Number(line.workerPid) === sparePid,
    30_000,
    'the spare ready in its slot',
  );

  const { client, transport } = await amqpClient(t, broker.url, 'openstack', { timeoutSeconds: CALL_TIMEOUT_S, overrides: options });
  const { client: shortClient } = await amqpClient(t, broker.url, 'openstack', {
    timeoutSeconds: CALL_TIMEOUT_S,
    overrides: { ...options, rpc_cast_timeout: SHORT_CAST_TIMEOUT_S },
  });

  const calls: CallOutcome[] = [];
  const confirmed = new Set<number>();
  const castSentAt = new Map<number, number>();
  const failedCasts = new Map<number, Error>();
  let running = true;
  const callLane = async (): Promise<void> => {
    for (let n = 0; running; n++) {
      echoCall(client, n, calls);
      await delay(50); // load pacing: about 20 calls a second
    }
  };
  let nextCast = 1;
  const castLane = async (): Promise<void> => {
    while (running) {
      const value = nextCast++;
      castSentAt.set(value, Date.now());
      // Not awaited one by one: casts keep going out while earlier ones wait for a queue.
      void client.cast({}, 'record', { value }).then(
        () => confirmed.add(value),
        (error: unknown) => failedCasts.set(value, error as Error),
      );
      await delay(50); // load pacing: about 20 casts a second
    }
  };
  const lanes = [callLane(), castLane()];
  t.after(async () => {
    running = false;
    await Promise.all(lanes);
  });
  await until('calls and casts flowing', () => calls.filter((c) => c.end && !c.error).length >= 20 && confirmed.size >= 20, {
    timeoutMs: 30_000,
  });

  const down = Date.now();
  const lost = once(transport, 'disconnected');
  await ctl('stop_app');
  const stopped = Date.now();
  await lost;
  held = childPids(launcher.pid);
  for (const pid of held) process.kill(pid, 'SIGSTOP');
  const back = once(transport, 'connected');
  await ctl('start_app');
  await back;
  const clientBack = Date.now();
  // While the servers are held: a cast with a short bound, and one to a topic nobody serves.
  const shortCast = shortClient.cast({}, 'record', { value: -1 }).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  const nobodyCast = shortClient
    .prepare({ topic: `nobody-${process.pid}` })
    .cast({}, 'record', { value: -2 })
    .then(
      () => undefined,
      (error: unknown) => error as Error,
    );
  const [shortError, nobodyError] = await Promise.all([shortCast, nobodyCast]);
  await delay(Math.max(0, clientBack + HOLD_AFTER_CLIENT_BACK_MS - Date.now())); // the subject: servers held 6 s after the client is back
  for (const pid of held) process.kill(pid, 'SIGCONT');
  const released = Date.now();
  held = [];

  await until('a call started after the release answered', () => calls.some((c) => c.start > released && c.end && !c.error), {
    timeoutMs: 60_000,
  });
  await until(
    'every call started before the release settled',
    () => calls.filter((c) => c.start <= released).every((c) => c.end !== undefined),
    { timeoutMs: (CALL_TIMEOUT_S + 10) * 1000 },
  );
  running = false;
  await Promise.all(lanes);
  await until('every call settled', () => calls.every((c) => c.end !== undefined), { timeoutMs: (CALL_TIMEOUT_S + 10) * 1000 });
  await until('every cast settled', () => confirmed.size + failedCasts.size === nextCast - 1, { timeoutMs: 90_000 });
  await casts.waitForAll(confirmed);
  await delay(1000); // a duplicate would be handled within this

  const failedCalls = calls.filter((c) => c.error);
  const describe = (c: CallOutcome): string =>
    `${c.error!.name} (${c.start - down}..${c.end! - down} ms after stop_app began): ${c.error!.message}`;
  t.diagnostic(
    `RabbitMQ ${rabbitmq4 ? '4 (quorum queues)' : '3 (non-durable queues)'}: stop_app took ${stopped - down} ms, client back ${clientBack - down} ms, ` +
      `servers released ${released - down} ms after stop_app began; ${calls.length} calls (${failedCalls.length} failed), ` +
      `${confirmed.size} casts confirmed, ${failedCasts.size} failed; short cast: ${shortError?.message ?? 'delivered'}` +
      `${failedCalls.length ? `; failed calls: ${failedCalls.map(describe).join(' | ')}` : ''}${failedCasts.size ? `; failed casts: ${[...failedCasts].map(([v, e]) => `${v} ${e.name}: ${e.message}`).join(' | ')}` : ''}`,
  );

  // Calls: none sent after the broker went down failed; any failure is one in flight at the stop.
  const afterDown = calls.filter((c) => c.start >= stopped);
  assert.ok(afterDown.length >= 20, `calls were sent during the outage (${afterDown.length})`);
  assert.deepEqual(afterDown.filter((c) => c.error).map(describe), [], 'every call sent after stop_app answered');
  assert.deepEqual(
    failedCalls.filter((c) => c.error instanceof MessagingTimeout && c.start >= down).map(describe),
    [],
    'no MessagingTimeout',
  );
  for (const c of failedCalls) assert.ok(c.start < stopped && c.end! > down, `only a call in flight at the stop may fail: ${describe(c)}`);

  // Casts: every one sent once the broker was down handled exactly once. One in flight at the
  // stop may come twice: its ack (or its publish's confirm) died with the broker, so the broker
  // redelivers it, or the client sends it again, and another worker's duplicate filter has not
  // seen it: at least once, as for oslo. (Seen once in CI: a quorum queue kept cast 40.)
  const counts = casts.counts();
  const twice = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(
    twice.filter(([value]) => (castSentAt.get(Number(value)) ?? 0) >= stopped),
    [],
    'no cast sent after stop_app handled twice',
  );
  assert.ok(twice.length <= 2, `at most the casts in flight at the drop come twice (${twice.map(([v, n]) => `${v}: ${n}`).join(', ')})`);
  const heldCasts = [...confirmed].filter((value) => castSentAt.get(value)! >= stopped && castSentAt.get(value)! < released);
  assert.ok(heldCasts.length >= 20, `casts sent during the outage and the hold were confirmed (${heldCasts.length})`);
  for (const [value, error] of failedCasts) {
    assert.match(
      `${error.name}: ${error.message}`,
      /MessageDeliveryFailure|BrokerUnavailable|ClientSendError/,
      `cast ${value}: a clear error`,
    );
  }
  assert.ok(
    failedCasts.size <= 2,
    `at most the casts in flight at the drop fail (${[...failedCasts].map(([v, e]) => `${v}: ${e.message}`).join('; ')})`,
  );

  // The bounded casts.
  assert.ok(nobodyError instanceof MessageDeliveryFailure, `a cast to a topic nobody serves fails: ${String(nobodyError)}`);
  assert.match(
    nobodyError.message,
    new RegExp(`no queue took the cast to topic "nobody-${process.pid}" within rpc_cast_timeout of 3 s \\(waited \\d\\.\\d s\\)`),
  );
  if (rabbitmq4) {
    assert.equal(shortError, undefined, 'the quorum `demo` queue survived: the short cast was taken at once');
    assert.equal(counts.get('-1'), 1, 'and handled once the servers came back');
  } else {
    assert.ok(shortError instanceof MessageDeliveryFailure, `the short cast failed: ${String(shortError)}`);
    assert.match(shortError.message, /no queue took the cast to topic "demo" within rpc_cast_timeout of 3 s \(waited \d\.\d s\)/);
    assert.equal(counts.get('-1'), undefined, 'the failed cast was never handled');
  }

  // Logs: WARN for the blip, one line when back per worker, never an AMQP ERROR; the spare's slot.
  const amqpLines = launcher.lines.filter((line) => line.component === 'amqp' && Date.parse(String(line.time)) >= down);
  const errors = amqpLines.filter((line) => Number(line.level) >= 50);
  assert.deepEqual(
    errors.map((line) => JSON.stringify(line)),
    [],
    'no AMQP ERROR line for a restart within the reconnect policy',
  );
  const lostLines = amqpLines.filter((line) => line.msg === 'lost the AMQP broker connection; reconnecting');
  assert.ok(lostLines.length >= 2 && lostLines.every((line) => line.level === 40), 'the loss is a warning');
  const backLines = amqpLines.filter((line: LogLine) => /^AMQP connection back after \d+\.\d s, \d+ attempts?$/.test(String(line.msg)));
  const workerPids = childPids(launcher.pid).filter((pid) =>
    launcher.lines.some((line) => line.msg === 'worker ready' && Number(line.workerPid) === pid),
  );
  for (const pid of workerPids) {
    const mine = backLines.filter((line) => Number(line.pid) === pid);
    assert.equal(mine.length, 1, `worker ${pid}: one line when back`);
    assert.equal(mine[0]!.level, 40);
  }
  const spareLines = amqpLines.filter((line) => Number(line.pid) === sparePid);
  assert.ok(spareLines.length >= 2, 'the promoted spare logged the outage');
  assert.deepEqual(
    spareLines.filter((line) => line.worker !== assigned.slot).map((line) => JSON.stringify(line)),
    [],
    `the spare's AMQP lines carry its slot ${String(assigned.slot)}`,
  );
}

test('RabbitMQ 3 stop_app/start_app with the servers held until after the client is back: no call times out, every confirmed cast handled once, a short-bound cast fails clearly', {
  timeout: 300_000,
}, async (t) => {
  if (!(await withBroker(t))) return;
  await forcedRestart(t, false);
});

test('the same on RabbitMQ 4 with quorum queues: the demo queue survives, nothing lost, nothing twice', { timeout: 300_000 }, async (t) => {
  if (!(await withBroker(t))) return;
  const root = trixieRoot();
  if ('skip' in root) {
    t.skip(root.skip);
    return;
  }
  await forcedRestart(t, true);
});
