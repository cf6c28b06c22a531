import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import { after, test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { MessagingTimeout } from '../../../src/rpc/errors.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { DemoEndpoint } from './support/demo-endpoint.js';
import { inProcessBroker } from './support/in-process.js';

const broker = inProcessBroker();
after(() => broker.close());

test('a dead server link requeues its unacked deliveries to another server; the started one is lost (at-most-once)', async () => {
  const dying = new DemoEndpoint('dying');
  const dyingTransport = await broker.transport({ prefetch: 5 });
  const dyingServer = new RpcServer(dyingTransport, { topic: 'requeue', server: 'dying' }, [dying], { executorPoolSize: 1 });
  await dyingServer.start();
  const client = new RpcClient(await broker.transport(), { topic: 'requeue', version: '1.3' }, { timeoutSeconds: 1 });

  const first = client.call({}, 'blocked');
  const firstFailed = assert.rejects(first, MessagingTimeout);
  await once(dying.events, 'blocked');
  const waiting = [client.call({}, 'whoami'), client.call({}, 'whoami')];
  for (let i = 0; i < 1000 && dyingServer.stats.waiting < 2; i++) await tick();
  assert.equal(dyingServer.stats.waiting, 2);

  broker.detach(dyingTransport);
  const survivor = new RpcServer(await broker.transport(), { topic: 'requeue', server: 'survivor' }, [new DemoEndpoint('survivor')]);
  await survivor.start();
  after(() => survivor.stop());
  assert.deepEqual(await Promise.all(waiting), ['survivor', 'survivor']);
  await firstFailed;
  dying.openGate();
  await dyingServer.stop();
});

test('stopping a server deletes its fanout queue; topic queues stay, like oslo', async () => {
  const transport = await broker.transport();
  const before = broker.router.stats.queues;
  const server = new RpcServer(transport, { topic: 'lifetimes', server: 'one' }, [new DemoEndpoint('one')]);
  await server.start();
  assert.equal(broker.router.stats.queues, before + 3);
  await server.stop();
  assert.equal(broker.router.stats.queues, before + 2);
});
