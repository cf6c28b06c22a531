/**
 * RpcClient's seconds are named for their unit (`timeoutSeconds`, `callMonitorTimeoutSeconds`);
 * the older names (`timeout`, `callMonitorTimeout`) still work as deprecated aliases, in the
 * constructor and in prepare(). What reaches the transport is the proof: the request's
 * expiration (the call's timeout in ms) and its `_timeout` (the call-monitor seconds).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { InvalidArgumentError } from '../../../src/errors.js';
import { RpcClient, type RpcClientOptions } from '../../../src/rpc/client.js';
import { MessagingTimeout } from '../../../src/rpc/errors.js';
import type { PublishRequest } from '../../../src/rpc/transports/transport.js';
import { inProcessBroker } from './support/in-process.js';

const broker = inProcessBroker();
after(() => broker.close());

/** A client on a topic nobody serves, and what its call handed the transport. */
async function sentBy(options: RpcClientOptions, overrides?: Parameters<RpcClient['prepare']>[0]) {
  const transport = await broker.transport();
  const published: PublishRequest[] = [];
  const publish = transport.publish.bind(transport);
  transport.publish = (request) => (published.push(request), publish(request));
  let client = new RpcClient(transport, { topic: 'nobody-serves-this' }, { mandatory: false, ...options });
  if (overrides) client = client.prepare(overrides);
  const started = performance.now();
  await assert.rejects(client.call({}, 'echo'), MessagingTimeout);
  const elapsedMs = performance.now() - started;
  const [request] = published;
  assert.ok(request, 'the call was published');
  const message = JSON.parse(request.body) as Record<string, unknown>;
  return { expirationMs: request.expirationMs, callMonitor: message._timeout, elapsedMs };
}

test('timeoutSeconds is the call timeout in seconds', async () => {
  const sent = await sentBy({ timeoutSeconds: 0.2 });
  assert.equal(sent.expirationMs, 200);
  assert.ok(sent.elapsedMs >= 190 && sent.elapsedMs < 5000, `timed out after ${sent.elapsedMs} ms`);
});

test('timeout, its deprecated name, still sets the same seconds', async () => {
  const sent = await sentBy({ timeout: 0.2 });
  assert.equal(sent.expirationMs, 200);
  assert.ok(sent.elapsedMs >= 190 && sent.elapsedMs < 5000, `timed out after ${sent.elapsedMs} ms`);
});

test('prepare() takes either name, and an override under the old name replaces the new one', async () => {
  assert.equal((await sentBy({ timeoutSeconds: 30 }, { timeout: 0.25 })).expirationMs, 250);
  assert.equal((await sentBy({ timeout: 30 }, { timeoutSeconds: 0.25 })).expirationMs, 250);
});

test('callMonitorTimeoutSeconds and its deprecated name callMonitorTimeout are sent as _timeout', async () => {
  assert.equal((await sentBy({ timeoutSeconds: 0.2, callMonitorTimeoutSeconds: 7 })).callMonitor, 7);
  assert.equal((await sentBy({ timeoutSeconds: 0.2, callMonitorTimeout: 7 })).callMonitor, 7);
  assert.equal((await sentBy({ timeoutSeconds: 0.2, callMonitorTimeout: 30 }, { callMonitorTimeoutSeconds: 3 })).callMonitor, 3);
  assert.equal((await sentBy({ timeoutSeconds: 0.2 })).callMonitor, null);
});

test('both names set to different values is a clear error naming both; the same value is fine', async () => {
  const transport = await broker.transport();
  assert.throws(
    () => new RpcClient(transport, { topic: 't' }, { timeoutSeconds: 5, timeout: 6 }),
    (error: unknown) => error instanceof InvalidArgumentError && /timeoutSeconds \(5\).*timeout \(6\)/.test(error.message),
  );
  assert.throws(
    () => new RpcClient(transport, { topic: 't' }).prepare({ callMonitorTimeoutSeconds: 2, callMonitorTimeout: 3 }),
    InvalidArgumentError,
  );
  assert.doesNotThrow(() => new RpcClient(transport, { topic: 't' }, { timeoutSeconds: 5, timeout: 5 }));
  assert.throws(() => new RpcClient(transport, { topic: 't' }, { timeout: -1 }), /timeoutSeconds must be a positive number of seconds/);
});
