import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { MessageDeliveryFailure, MessagingTimeout } from '../../../src/rpc/errors.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { connectEmbeddedSocket } from '../../../src/rpc/transports/embedded/socket-client.js';
import { DemoEndpoint } from './support/demo-endpoint.js';
import { inProcessBroker } from './support/in-process.js';

const dir = mkdtempSync(join(tmpdir(), 'oslo-node-rpc-'));
const socketPath = join(dir, 'embedded.sock');
const broker = inProcessBroker({ socketPath });
after(async () => {
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

test('mandatory: a call or cast to a topic with no queue fails at once with MessageDeliveryFailure', async () => {
  const transport = await broker.transport();
  const client = new RpcClient(transport, { topic: 'unbound' }, { timeoutSeconds: 30, mandatory: true });
  const started = Date.now();
  await assert.rejects(client.call({}, 'echo'), MessageDeliveryFailure);
  await assert.rejects(client.cast({}, 'echo'), MessageDeliveryFailure);
  assert.ok(Date.now() - started < 1000);
  // Without the flag the call waits for its timeout, as oslo does.
  await assert.rejects(client.prepare({ mandatory: false, timeoutSeconds: 0.2 }).call({}, 'echo'), MessagingTimeout);
});

test('losing the link fails pending calls at once with MessageDeliveryFailure', async (t) => {
  await broker.router.start();
  const endpoint = new DemoEndpoint('s');
  t.after(() => endpoint.openGate());
  const server = new RpcServer(await broker.transport(), { topic: 'slow', server: 's' }, [endpoint]);
  await server.start();
  t.after(() => server.stop());

  const remote = await connectEmbeddedSocket(socketPath);
  t.after(() => remote.stop());
  const client = new RpcClient(remote, { topic: 'slow', version: '1.3' }, { timeoutSeconds: 30 });
  assert.equal(await client.call({}, 'echo', { value: 'over the socket' }), 'over the socket');
  const running = once(endpoint.events, 'blocked');
  const failed = assert.rejects(
    client.call({}, 'blocked'),
    (e: unknown) => e instanceof MessageDeliveryFailure && /lost its connection/.test(e.message),
  );
  await running;
  const started = Date.now();
  const disconnected = new Promise((resolve) => remote.once('disconnected', resolve));
  await broker.router.stop();
  await disconnected;
  await failed;
  assert.ok(Date.now() - started < 1000);
  assert.equal(remote.connected, false);
});
