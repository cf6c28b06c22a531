import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { DemoEndpoint } from './support/demo-endpoint.js';
import { inProcessBroker } from './support/in-process.js';
import { until } from '../../helpers/wait.js';

const broker = inProcessBroker();
after(() => broker.close());

/** In-process deliveries: look every millisecond. */
const SOON = { timeoutMs: 5000, intervalMs: 1 };

test('at most executorPoolSize requests run at once; unstarted deliveries stay unacked within prefetch', async () => {
  const endpoint = new DemoEndpoint('srv');
  const server = new RpcServer(await broker.transport({ prefetch: 3 }), { topic: 'busy', server: 'srv' }, [endpoint], {
    executorPoolSize: 2,
  });
  await server.start();
  after(() => server.stop());
  const client = new RpcClient(await broker.transport(), { topic: 'busy', version: '1.3' }, { timeoutSeconds: 10 });

  const calls = Array.from({ length: 10 }, () => client.call({}, 'blocked'));
  await until('two running and one waiting', () => server.stats.inFlight === 2 && server.stats.waiting === 1, SOON);
  // 3 unacked per consumer: 2 running + 1 waiting in the server, the other 7 stay in the broker.
  assert.equal(broker.router.stats.messages, 7);
  assert.equal(endpoint.maxActive, 2);

  endpoint.openGate();
  assert.deepEqual(await Promise.all(calls), Array(10).fill('srv'));
  assert.equal(endpoint.maxActive, 2);
  assert.equal(server.stats.calls, 10);
});

test('stop() lets in-flight requests finish and is shared by every caller', async () => {
  const endpoint = new DemoEndpoint('srv2');
  const server = new RpcServer(await broker.transport(), { topic: 'drain', server: 'srv2' }, [endpoint]);
  await server.start();
  const client = new RpcClient(await broker.transport(), { topic: 'drain', version: '1.3' }, { timeoutSeconds: 10 });
  const call = client.call({}, 'blocked');
  await until('the call to start', () => endpoint.active === 1, SOON);
  const stops = [server.stop(), server.stop(), server.wait(5000)];
  assert.equal(server.state, 'stopping');
  endpoint.openGate();
  assert.equal(await call, 'srv2');
  await Promise.all(stops);
  assert.equal(server.state, 'stopped');
});

test('stop({ timeoutMs }) bounds the wait for in-flight requests; the stop itself goes on', async () => {
  const endpoint = new DemoEndpoint('srv3');
  const server = new RpcServer(await broker.transport(), { topic: 'bounded', server: 'srv3' }, [endpoint]);
  await server.start();
  const client = new RpcClient(await broker.transport(), { topic: 'bounded', version: '1.3' }, { timeoutSeconds: 10 });
  const call = client.call({}, 'blocked');
  await until('the call to start', () => endpoint.active === 1, SOON);
  await assert.rejects(server.stop({ timeoutMs: 20 }), { name: 'StopTimeoutError' });
  assert.equal(server.state, 'stopping');
  endpoint.openGate();
  assert.equal(await call, 'srv3');
  await server.stop();
  assert.equal(server.state, 'stopped');
});
