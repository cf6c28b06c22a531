import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { DemoEndpoint } from './support/demo-endpoint.js';
import { inProcessBroker } from './support/in-process.js';
import { rawPeer } from './support/raw-peer.js';

const broker = inProcessBroker();
after(() => broker.close());

test('a reply to a missing queue is retried, then the queue is obsolete; the server keeps serving meanwhile', async () => {
  const lines: { msg: string; replyQueue?: string; time: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  const logger = pino({ level: 'warn' }, sink);
  const server = new RpcServer(await broker.transport(), { topic: 'gone', server: 'g' }, [new DemoEndpoint('g')], {
    logger,
    missingConsumerRetryTimeout: 0.6,
    executorPoolSize: 1,
  });
  await server.start();
  after(() => server.stop());
  const peer = await rawPeer(await broker.transport());
  const client = new RpcClient(await broker.transport(), { topic: 'gone', version: '1.3' }, { timeout: 5 });

  const started = Date.now();
  await peer.call('gone', { method: 'echo', version: '1.3', args: { value: 1 }, _reply_q: 'reply_dead' });
  // One executor slot: the good call proves the retrying reply does not hold it.
  assert.equal(await client.call({}, 'echo', { value: 'served' }), 'served');
  assert.ok(Date.now() - started < 500);

  for (let i = 0; i < 300 && !lines.some((l) => /missing; reply dropped/.test(l.msg)); i++) await delay(10);
  assert.ok(Date.now() - started >= 550, 'retried for about missingConsumerRetryTimeout');
  await peer.call('gone', { method: 'echo', version: '1.3', args: { value: 2 }, _reply_q: 'reply_dead' });
  for (let i = 0; i < 300 && !lines.some((l) => /obsolete/.test(l.msg)); i++) await delay(10);
  assert.ok(lines.some((l) => /obsolete/.test(l.msg) && l.replyQueue === 'reply_dead'));
});
