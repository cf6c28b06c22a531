import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { DemoEndpoint } from './support/demo-endpoint.js';
import { inProcessBroker } from './support/in-process.js';
import { rawPeer } from './support/raw-peer.js';
import { captureLogger } from '../../helpers/capture-logger.js';
import { until } from '../../helpers/wait.js';

const broker = inProcessBroker();
after(() => broker.close());

test('a reply to a missing queue is retried, then the queue is obsolete; the server keeps serving meanwhile', async () => {
  const { logger, lines } = captureLogger('warn');
  const server = new RpcServer(await broker.transport(), { topic: 'gone', server: 'g' }, [new DemoEndpoint('g')], {
    logger,
    missingConsumerRetryTimeoutSeconds: 0.6,
    executorPoolSize: 1,
  });
  await server.start();
  after(() => server.stop());
  const peer = await rawPeer(await broker.transport());
  const client = new RpcClient(await broker.transport(), { topic: 'gone', version: '1.3' }, { timeoutSeconds: 5 });

  const started = Date.now();
  await peer.call('gone', { method: 'echo', version: '1.3', args: { value: 1 }, _reply_q: 'reply_dead' });
  // One executor slot: the good call proves the retrying reply does not hold it.
  assert.equal(await client.call({}, 'echo', { value: 'served' }), 'served');
  assert.ok(Date.now() - started < 500);

  await until('the reply dropped for its missing queue', () => lines.some((l) => /missing; reply dropped/.test(String(l.msg))), {
    timeoutMs: 3000,
    intervalMs: 10,
  });
  assert.ok(Date.now() - started >= 550, 'retried for about missingConsumerRetryTimeout');
  await peer.call('gone', { method: 'echo', version: '1.3', args: { value: 2 }, _reply_q: 'reply_dead' });
  await until('the obsolete reply queue logged', () => lines.some((l) => /obsolete/.test(String(l.msg))), {
    timeoutMs: 3000,
    intervalMs: 10,
  });
  assert.ok(lines.some((l) => /obsolete/.test(String(l.msg)) && l.replyQueue === 'reply_dead'));
});

test('missingConsumerRetryTimeout, the deprecated name of missingConsumerRetryTimeoutSeconds, still bounds the retry', async () => {
  const { logger, lines } = captureLogger('warn');
  const server = new RpcServer(await broker.transport(), { topic: 'gone-old-name', server: 'o' }, [new DemoEndpoint('o')], {
    logger,
    missingConsumerRetryTimeout: 0.3,
  });
  await server.start();
  after(() => server.stop());
  const peer = await rawPeer(await broker.transport());
  await peer.call('gone-old-name', { method: 'echo', version: '1.3', args: { value: 1 }, _reply_q: 'reply_dead_old' });
  // The default (60 s) would not drop it within the bound.
  await until('the reply dropped for its missing queue', () => lines.some((l) => /missing; reply dropped/.test(String(l.msg))), {
    timeoutMs: 3000,
    intervalMs: 10,
  });
});

// Issue 14, item 7: calls with a fresh random _reply_q each made the server retry every reply
// for 60 s, without a cap.
test('replies retrying missing queues are bounded by the executor size; the oldest is dropped with a log line', async () => {
  const { logger, lines } = captureLogger('warn');
  const server = new RpcServer(await broker.transport(), { topic: 'flood', server: 'f' }, [new DemoEndpoint('f')], {
    logger,
    missingConsumerRetryTimeoutSeconds: 60,
    executorPoolSize: 3,
  });
  await server.start();
  after(() => server.stop());
  const peer = await rawPeer(await broker.transport());
  for (let i = 0; i < 20; i++)
    await peer.call('flood', { method: 'echo', version: '1.3', args: { value: i }, _reply_q: `reply_random_${i}` });

  await until('17 replies dropped', () => server.stats.droppedReplies >= 17, { timeoutMs: 5000, intervalMs: 10 });
  assert.deepEqual([server.stats.retryingReplies, server.stats.droppedReplies], [3, 17]);
  const dropped = lines.filter((l) => l.msg === 'too many replies waiting for missing reply queues; the oldest was dropped');
  assert.deepEqual(
    dropped.map((l) => l.replyQueue),
    Array.from({ length: 17 }, (_, i) => `reply_random_${i}`),
  );
  // The three newest still retry, and the server still serves.
  const client = new RpcClient(await broker.transport(), { topic: 'flood', version: '1.3' }, { timeoutSeconds: 5 });
  assert.equal(await client.call({}, 'echo', { value: 'served' }), 'served');
});
