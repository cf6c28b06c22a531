/**
 * Calls and casts to a topic with no queue (issue 30): published mandatory by default, a NO_ROUTE
 * return is published again with the reconnect backoff until a queue takes it or its bound passes
 * (the call's timeout, rpc_cast_timeout), then MessageDeliveryFailure naming the topic and the
 * wait; `oslo-node-rpc cast` exits 3 then. Fanout casts stay fire-and-forget. Returns are matched
 * to their publish by content, so a publish is reported routed exactly when a queue took it,
 * even while a binding goes away under a stream of publishes to its key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'amqplib';
import { execa } from 'execa';
import { ClosedError } from '../../../src/errors.js';
import { RpcClient } from '../../../src/rpc/client.js';
import { MessageDeliveryFailure, MessagingTimeout } from '../../../src/rpc/errors.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { startTransport, uniqueTopic, withBroker } from '../../helpers/broker.js';
import { captureLogger } from '../../helpers/capture-logger.js';
import { RPC_CLI } from '../../helpers/launcher.js';
import { delay, until } from '../../helpers/wait.js';

/** Retries every 0.1..0.2 s, so a test sees several within a second or two. */
const FAST = { kombu_reconnect_delay: 0.2, rabbit_retry_interval: 0.2, rabbit_retry_backoff: 0.1, rabbit_interval_max: 0.4 };

class Recorder {
  readonly seen: unknown[] = [];
  record(_ctx: unknown, args: { value: unknown }): void {
    this.seen.push(args.value);
  }
  echo(_ctx: unknown, args: { value: unknown }): unknown {
    return args.value;
  }
}

test('a cast and a call sent before any server exists are delivered once one does, exactly once', { timeout: 60_000 }, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const topic = uniqueTopic('late-server');
  const client = new RpcClient(await startTransport(t, url, FAST), { topic }, { timeoutSeconds: 20 });
  const sentAt = Date.now();
  const cast = client.cast({}, 'record', { value: 'early cast' });
  const call = client.call({}, 'echo', { value: 'early call' });
  let castDone = 0;
  void cast.then(() => (castDone = Date.now()));
  // Returned and published again a few times before a server exists.
  await delay(1500); // the subject: a server that comes 1.5 s late
  assert.equal(castDone, 0, 'the cast is not reported sent while no queue took it');
  const recorder = new Recorder();
  const server = new RpcServer(await startTransport(t, url, FAST), { topic, server: 'late' }, [recorder]);
  await server.start();
  t.after(() => server.stop());
  await cast;
  assert.equal(await call, 'early call');
  assert.ok(castDone - sentAt >= 1500, `the cast resolved once the queue existed (${castDone - sentAt} ms)`);
  await until('the cast handled', () => recorder.seen.length > 0, { timeoutMs: 5000 });
  await delay(500); // a duplicate would arrive within this
  assert.deepEqual(recorder.seen, ['early cast'], 'handled exactly once');
});

test('no queue within the bound: MessageDeliveryFailure naming the topic and the wait; fanout casts do not wait', {
  timeout: 60_000,
}, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const log = captureLogger();
  const transport = await startTransport(t, url, { ...FAST, rpc_cast_timeout: 1 }, log.logger);
  const topic = uniqueTopic('nobody');
  const client = new RpcClient(transport, { topic }, { timeoutSeconds: 2 });

  let started = Date.now();
  const castError = await client.cast({}, 'record', { value: 1 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  const castMs = Date.now() - started;
  assert.ok(castError instanceof MessageDeliveryFailure, String(castError));
  assert.match(
    castError.message,
    new RegExp(`no queue took the cast to topic "${topic}" within rpc_cast_timeout of 1 s \\(waited \\d\\.\\d s\\).*312 NO_ROUTE`),
  );
  assert.ok(castMs >= 900 && castMs < 2500, `failed at its 1 s bound (${castMs} ms)`);

  started = Date.now();
  const callError = await client.call({}, 'echo', { value: 1 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  const callMs = Date.now() - started;
  assert.ok(callError instanceof MessageDeliveryFailure && !(callError instanceof MessagingTimeout), String(callError));
  assert.match(
    callError.message,
    new RegExp(`no queue took the call to topic "${topic}" within the call's timeout of 2 s \\(waited \\d\\.\\d s\\)`),
  );
  assert.ok(callMs >= 1800 && callMs < 3500, `failed at the call's 2 s timeout (${callMs} ms)`);

  // oslo's choices stay available: at once with mandatory, dropped without it.
  started = Date.now();
  await assert.rejects(client.prepare({ mandatory: true }).cast({}, 'record', { value: 2 }), MessageDeliveryFailure);
  assert.ok(Date.now() - started < 900, 'mandatory: true fails at once');
  await client.prepare({ mandatory: false }).cast({}, 'record', { value: 3 });
  // A fanout cast with no server is fire-and-forget, as in oslo.
  started = Date.now();
  await client.prepare({ fanout: true }).cast({}, 'record', { value: 4 });
  assert.ok(Date.now() - started < 900, 'a fanout cast does not wait for a queue');

  // The operator's view: a WARN when a topic first has no queue, an ERROR when one gives up.
  const warn = log.lines.find((line) => line.level === 40 && String(line.msg).startsWith(`no queue is bound for topic "${topic}" yet`));
  assert.ok(warn, 'a warning when publishes start finding no queue');
  const errors = log.lines.filter((line) => line.level === 50);
  assert.ok(errors.some((line) => line.msg === 'a cast found no queue within its bound; failed it' && line.topic === topic));
  assert.ok(errors.some((line) => line.msg === 'a call found no queue within its bound; failed it' && line.topic === topic));
});

test('stopping the transport ends a cast waiting for a queue at once', { timeout: 30_000 }, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const transport = await startTransport(t, url, FAST);
  const client = new RpcClient(transport, { topic: uniqueTopic('stopping') });
  const waiting = client.cast({}, 'record', { value: 1 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  await delay(500); // let it be returned and wait
  const stoppedAt = Date.now();
  await transport.stop();
  const error = await waiting;
  assert.ok(Date.now() - stoppedAt < 2000, 'the stop ended the wait');
  assert.ok(
    error instanceof ClosedError || (error instanceof Error && /closed|ClosedError/i.test(`${error.name} ${error.message}`)),
    String(error),
  );
});

test('returns are matched to their own publish while a binding goes away under a stream of publishes', { timeout: 60_000 }, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const exchange = uniqueTopic('returns');
  const topic = 'stream';
  const model = await connect(url);
  t.after(() => model.close().catch(() => undefined));
  const channel = await model.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
  t.after(() => channel.deleteExchange(exchange).catch(() => undefined));
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, topic);
  const delivered = new Set<string>();
  await channel.consume(queue, (message) => message && delivered.add(message.content.toString()), { noAck: true });

  const transport = await startTransport(t, url);
  const outcomes = new Map<string, Promise<boolean>>();
  for (let i = 0; i < 400; i++) {
    const body = JSON.stringify({ n: i });
    outcomes.set(
      body,
      transport.publish({ target: { exchange, topic }, body, mandatory: true }).then(
        () => true,
        (error: unknown) => {
          if (!(error instanceof MessageDeliveryFailure)) throw error;
          return false;
        },
      ),
    );
    if (i === 150) void channel.unbindQueue(queue, exchange, topic);
    if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
  }
  const routed = new Set<string>();
  const returned = new Set<string>();
  for (const [body, outcome] of outcomes) ((await outcome) ? routed : returned).add(body);
  await until('every routed publish delivered', () => [...routed].every((body) => delivered.has(body)), { timeoutMs: 5000 }).catch(
    () => undefined,
  );
  assert.ok(routed.size > 0 && returned.size > 0, `both kinds happened (${routed.size} routed, ${returned.size} returned)`);
  assert.deepEqual(
    [...routed].filter((body) => !delivered.has(body)),
    [],
    'reported routed but never delivered',
  );
  assert.deepEqual(
    [...returned].filter((body) => delivered.has(body)),
    [],
    'reported returned but delivered',
  );
});

test('oslo-node-rpc cast exits 3 naming the topic when no queue takes it within rpc_cast_timeout', { timeout: 60_000 }, async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const topic = uniqueTopic('cli-nobody');
  const result = await execa(
    'node',
    [RPC_CLI, 'cast', topic, 'record', '{"value": 1}', '--transport-url', url, '--rpc-cast-timeout', '1'],
    { reject: false },
  );
  assert.equal(result.exitCode, 3, result.stderr);
  const last = JSON.parse(result.stderr.trim().split('\n').pop()!) as { error: string; message: string };
  assert.equal(last.error, 'MessageDeliveryFailure');
  assert.match(last.message, new RegExp(`no queue took the cast to topic "${topic}" within`));
  // A fanout cast to the same topic is fire-and-forget: exit 0.
  const fanout = await execa('node', [RPC_CLI, 'cast', topic, 'record', '--fanout', '--transport-url', url, '--rpc-cast-timeout', '1'], {
    reject: false,
  });
  assert.equal(fanout.exitCode, 0, fanout.stderr);
});
