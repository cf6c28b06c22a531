import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { decodeEnvelope, encodeEnvelope } from '../../../src/rpc/envelope.js';
import { RemoteError } from '../../../src/rpc/errors.js';
import { hex32 } from '../../../src/rpc/ids.js';
import type { Listener, Transport } from '../../../src/rpc/transports/transport.js';
import { inProcessBroker } from './support/in-process.js';

const broker = inProcessBroker();
let listener: Listener;
let client: RpcClient;

/** A hand-written server that answers the way old or Python oslo servers do. */
function replyFor(transport: Transport, message: Record<string, unknown>): void {
  const queue = message._reply_q as string;
  const send = (fields: Record<string, unknown>) =>
    void transport.publishReply(queue, encodeEnvelope({ _msg_id: message._msg_id, _unique_id: hex32(), ...fields }));
  switch (message.method) {
    case 'legacy':
      send({ result: 'from-legacy', failure: null });
      send({ result: null, failure: null, ending: true });
      return;
    case 'stray_first':
      void transport.publishReply(queue, encodeEnvelope({ _msg_id: hex32(), result: null, failure: null, ending: false }));
      void transport.publishReply(queue, 'not even json');
      send({ result: 'after-stray', failure: null, ending: true });
      return;
    case 'python_error':
      send({
        result: null,
        ending: true,
        failure: JSON.stringify({
          class: 'ValueError',
          module: 'builtins',
          message: 'boom-42',
          tb: ['Traceback (most recent call last):\n', 'ValueError: boom-42\n'],
          args: ['boom-42'],
          kwargs: {},
        }),
      });
      return;
    case 'null_result':
      send({ result: null, failure: null, ending: true });
  }
}

before(async () => {
  const serverTransport = await broker.transport();
  listener = await serverTransport.listen({ exchange: 'openstack', topic: 'handmade', server: 'h' }, (delivery) => {
    delivery.ack();
    const decoded = decodeEnvelope(delivery.body);
    if (decoded.ok) replyFor(serverTransport, decoded.message);
  });
  client = new RpcClient(await broker.transport(), { topic: 'handmade' }, { timeoutSeconds: 5 });
});
after(async () => {
  await listener.stop();
  await broker.close();
});

test('the legacy two-message reply form gives the first message result', async () => {
  assert.equal(await client.call({}, 'legacy'), 'from-legacy');
});

test('replies for unknown msg ids and undecodable replies are dropped quietly', async () => {
  assert.equal(await client.call({}, 'stray_first'), 'after-stray');
});

test('a Python ValueError failure becomes a RemoteError naming it', async () => {
  await assert.rejects(
    client.call({}, 'python_error'),
    (e: unknown) =>
      e instanceof RemoteError &&
      e.excType === 'ValueError' &&
      e.module === 'builtins' &&
      e.value === 'boom-42' &&
      e.traceback.length === 2,
  );
});

test('a null result with ending true is a result, not a heartbeat', async () => {
  assert.equal(await client.call({}, 'null_result'), null);
});
