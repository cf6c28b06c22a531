/**
 * Servers first within a process: after a broker restart, a transport declares and consumes its
 * own server queues before it sends the publishes it held during the outage. The held casts are
 * published with `mandatory: true` (fail at once when no queue is bound, no second try), to the
 * transport's own topic: had any gone out before its server queue was declared again (stop_app
 * deleted it), the broker would have returned it and the cast would have failed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { rabbit, startPrivateBroker, startTransport, uniqueTopic, withBroker } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';

class Recorder {
  readonly seen: number[] = [];
  record(_ctx: unknown, args: { value: number }): void {
    this.seen.push(args.value);
  }
}

test('after a reconnect the process declares its own server queues before sending its held publishes', { timeout: 120_000 }, async (t) => {
  if (!(await withBroker(t))) return;
  const { url, dir } = await startPrivateBroker(t, 'servers-first');
  const fast = { kombu_reconnect_delay: 0.2, rabbit_retry_interval: 0.2, rabbit_retry_backoff: 0.2, rabbit_interval_max: 1 };
  const transport = await startTransport(t, url, fast);
  const topic = uniqueTopic('own');
  const recorder = new Recorder();
  const server = new RpcServer(transport, { topic, server: 'self' }, [recorder]);
  await server.start();
  t.after(() => server.stop());
  const client = new RpcClient(transport, { topic }, { mandatory: true });
  await client.cast({}, 'record', { value: 0 });
  await until('the first cast handled', () => recorder.seen.includes(0), { timeoutMs: 5000 });

  const lost = once(transport, 'disconnected');
  await rabbit(['stop_app'], dir);
  await lost;
  // Held while the broker is away: they wait for the reconnect.
  const held = Array.from({ length: 20 }, (_, i) =>
    client.cast({}, 'record', { value: i + 1 }).then(
      () => 'sent',
      (error: unknown) => String(error),
    ),
  );
  const back = once(transport, 'connected');
  await rabbit(['start_app'], dir);
  await back;
  assert.deepEqual(
    await Promise.all(held),
    Array.from({ length: 20 }, () => 'sent'),
    'no held cast found its own server queue missing',
  );
  await until('every held cast handled', () => recorder.seen.length === 21, { timeoutMs: 10_000 });
  assert.deepEqual(
    [...recorder.seen].sort((a, b) => a - b),
    Array.from({ length: 21 }, (_, i) => i),
  );
  await server.stop();
  await transport.stop();
});
