/**
 * Our RpcClient calls a real Python oslo.messaging 14.0.3 RPC server (threading executor):
 * call, cast, fanout cast, topic.server, remote errors, unknown and private methods, version
 * mismatch, namespaces, context pass-through, call-monitor heartbeats, and timeouts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcClient } from '../../../src/rpc/client.js';
import { MessageDeliveryFailure, MessagingTimeout, RemoteError } from '../../../src/rpc/errors.js';
import { withBroker, startTransport, uniqueTopic } from '../../helpers/broker.js';
import { startPythonServer } from '../../helpers/python-peer.js';

/** The remote class name of an error, whether it came back as our class or a RemoteError. */
function remoteClass(error: unknown): string {
  return error instanceof RemoteError ? error.excType : error instanceof Error ? error.name : String(error);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected the call to fail');
}

test('our client calls a Python oslo server', { timeout: 60_000 }, async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('node-to-py');
  const [pyA, pyB] = await Promise.all([startPythonServer(t, brokerUrl, topic, 'py-a'), startPythonServer(t, brokerUrl, topic, 'py-b')]);
  const transport = await startTransport(t, brokerUrl);
  const client = new RpcClient(transport, { topic, version: '1.3' }, { timeoutSeconds: 10 });
  const ctx = { user_id: 'node-user', project_id: 'p9', request_id: 'req-node-1', roles: ['admin'], is_admin: true };

  assert.deepEqual(await client.call(ctx, 'echo', { value: { deep: [1, 'two', null] } }), { deep: [1, 'two', null] });
  assert.equal(await client.call(ctx, 'add', { a: 40, b: 2 }), 42);
  assert.equal(await client.prepare({ server: 'py-b' }).call(ctx, 'whoami'), 'py-b');
  // Concurrent calls share the one reply queue and come back matched by _msg_id.
  const many = await Promise.all(Array.from({ length: 50 }, (_, i) => client.call(ctx, 'echo', { value: i })));
  assert.deepEqual(
    many,
    Array.from({ length: 50 }, (_, i) => i),
  );

  await client.prepare({ server: 'py-a' }).cast(ctx, 'record', { value: 'direct' });
  await pyA.waitEvent((e) => e.event === 'cast' && e.value === 'direct');
  await client.prepare({ fanout: true }).cast(ctx, 'record', { value: 'everyone' });
  await pyA.waitEvent((e) => e.event === 'cast' && e.value === 'everyone');
  const fanoutB = await pyB.waitEvent((e) => e.event === 'cast' && e.value === 'everyone');
  const castCtx = fanoutB.ctxt as Record<string, unknown>;
  assert.equal(castCtx.user_id, 'node-user', 'the context travels with casts too');

  const fail = await failure(client.call(ctx, 'fail', { message: 'boom-7' }));
  assert.ok(fail instanceof RemoteError, `got ${fail.name}`);
  assert.equal(fail.excType, 'ValueError');
  assert.equal(fail.value, 'boom-7');
  assert.ok(fail.traceback.some((line) => line.includes('raise ValueError(message)')));

  assert.equal(remoteClass(await failure(client.call(ctx, 'no_such_method'))), 'NoSuchMethod');
  assert.equal(remoteClass(await failure(client.call(ctx, '_secret'))), 'NoSuchMethod');
  const v2 = await failure(client.prepare({ version: '2.0' }).call(ctx, 'echo', { value: 1 }));
  assert.equal(remoteClass(v2), 'UnsupportedVersion');
  assert.match(v2.message, /Endpoint does not support RPC version 2\.0\. Attempted method: echo/);
  assert.equal(await client.prepare({ version: '1.1' }).call(ctx, 'echo', { value: 'v1.1' }), 'v1.1');
  assert.deepEqual(await client.prepare({ namespace: 'extra', version: '2.0' }).call(ctx, 'ns_echo', { value: 5 }), {
    namespace: 'extra',
    value: 5,
  });

  const seen = (await client.call(ctx, 'ctx')) as Record<string, unknown>;
  assert.deepEqual(
    { user_id: seen.user_id, project_id: seen.project_id, request_id: seen.request_id, roles: seen.roles, is_admin: seen.is_admin },
    { user_id: 'node-user', project_id: 'p9', request_id: 'req-node-1', roles: ['admin'], is_admin: true },
  );
  assert.equal(seen.client_timeout, null, 'oslo exposes _timeout as client_timeout (null without a call monitor)');

  // Call monitor: the Python server heartbeats every 2 s, so a 5 s call outlives cm=4 (the
  // margin is wide because this machine is shared; cm=2 with 1 s heartbeats works when idle).
  const started = Date.now();
  assert.equal(await client.prepare({ callMonitorTimeoutSeconds: 4, timeoutSeconds: 15 }).call(ctx, 'sleep', { seconds: 5 }), 5);
  assert.ok(Date.now() - started >= 4900);
  assert.equal(((await client.prepare({ callMonitorTimeoutSeconds: 4 }).call(ctx, 'ctx')) as Record<string, unknown>).client_timeout, 4);

  // Timeouts: the overall timeout is a hard cap.
  const slow = Date.now();
  assert.ok((await failure(client.prepare({ timeoutSeconds: 1 }).call(ctx, 'sleep', { seconds: 4 }))) instanceof MessagingTimeout);
  assert.ok(Date.now() - slow < 3500, 'the timeout, not the 4 s sleep, ended the call');
  const nobody = client.prepare({ topic: uniqueTopic('no-server'), timeoutSeconds: 1 });
  // By default a call no queue takes is published again until its timeout, then names the topic.
  const unrouted = await failure(nobody.call(ctx, 'echo', { value: 1 }));
  assert.ok(
    unrouted instanceof MessageDeliveryFailure && /no queue took the call to topic "no-server-/.test(unrouted.message),
    String(unrouted),
  );
  // Without mandatory (oslo's default) the broker drops it and the call times out.
  assert.ok((await failure(nobody.prepare({ mandatory: false }).call(ctx, 'echo', { value: 1 }))) instanceof MessagingTimeout);
  const fast = Date.now();
  assert.ok(
    (await failure(nobody.prepare({ mandatory: true, timeoutSeconds: 10 }).call(ctx, 'echo', { value: 1 }))) instanceof
      MessageDeliveryFailure,
  );
  assert.ok(Date.now() - fast < 3000, 'mandatory fails at once instead of waiting for the 10 s timeout');

  // Still healthy after all of the above (the sleeping call's late reply was dropped quietly).
  assert.equal(await client.call(ctx, 'echo', { value: 'still here' }), 'still here');
});
