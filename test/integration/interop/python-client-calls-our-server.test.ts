/**
 * A real Python oslo.messaging 14.0.3 RPCClient calls our RpcServer over RabbitMQ: call, cast,
 * fanout cast, topic.server, remote errors, unknown and private methods, version mismatch,
 * namespaces, context pass-through, call-monitor heartbeats on a long call, and a timeout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcServer } from '../../../src/rpc/server.js';
import type { RequestContext } from '../../../src/rpc/context.js';
import { withBroker, startTransport, uniqueTopic } from '../../helpers/broker.js';
import { runPythonClient, type PythonOp } from '../../helpers/python-peer.js';
import { until } from '../../helpers/wait.js';

/** Raised by our endpoint; a Python caller rebuilds it as its own builtin ValueError. */
class ValueError extends Error {
  override readonly name = 'ValueError';
  readonly module = 'builtins';
}

class TestEndpoint {
  readonly target = { version: '1.3' };
  readonly casts: unknown[] = [];
  readonly #server: string;
  constructor(server: string) {
    this.#server = server;
  }
  echo(_ctx: RequestContext, args: { value: unknown }) {
    return args.value;
  }
  add(_ctx: RequestContext, args: { a: number; b: number }) {
    return args.a + args.b;
  }
  async sleep(_ctx: RequestContext, args: { seconds: number }) {
    await new Promise((resolve) => setTimeout(resolve, args.seconds * 1000));
    return args.seconds;
  }
  fail(_ctx: RequestContext, args: { message: string }): never {
    throw new ValueError(args.message);
  }
  ctx(ctx: RequestContext) {
    return ctx;
  }
  whoami() {
    return this.#server;
  }
  record(_ctx: RequestContext, args: { value: unknown }) {
    this.casts.push(args.value);
  }
  _secret() {
    return 'the secret';
  }
}

const extraEndpoint = {
  target: { namespace: 'extra', version: '2.0' },
  ns_echo(_ctx: RequestContext, args: { value: unknown }) {
    return { namespace: 'extra', value: args.value };
  },
};

test('a Python oslo client calls our server', { timeout: 60_000 }, async (t) => {
  const brokerUrl = await withBroker(t);
  if (!brokerUrl) return;
  const topic = uniqueTopic('py-to-node');
  const transport = await startTransport(t, brokerUrl);
  const endpoints = { a: new TestEndpoint('node-a'), b: new TestEndpoint('node-b') };
  for (const [name, endpoint] of Object.entries(endpoints)) {
    const server = new RpcServer(transport, { topic, server: `node-${name}` }, [endpoint, extraEndpoint]);
    t.after(() => server.stop());
    await server.start();
  }

  const ops: PythonOp[] = [
    { op: 'call', topic, method: 'echo', args: { value: { nested: ['x', 1, null] } } },
    { op: 'call', topic, method: 'add', args: { a: 2, b: 40 } },
    { op: 'call', topic, server: 'node-b', method: 'whoami' },
    { op: 'cast', topic, server: 'node-a', method: 'record', args: { value: 'direct-cast' } },
    { op: 'cast', topic, fanout: true, method: 'record', args: { value: 'fanout-cast' } },
    { op: 'call', topic, method: 'fail', args: { message: 'boom-42' } },
    { op: 'call', topic, method: 'no_such_method' },
    { op: 'call', topic, method: '_secret' },
    { op: 'call', topic, method: 'echo', version: '2.0', args: { value: 1 } },
    { op: 'call', topic, method: 'echo', version: '1.2', args: { value: 'v1.2' } },
    { op: 'call', topic, method: 'ns_echo', namespace: 'extra', version: '2.0', args: { value: 3 } },
    { op: 'call', topic, method: 'ns_echo', namespace: 'other', version: '2.0', args: { value: 3 } },
    { op: 'call', topic, method: 'ctx', ctx: { user_id: 'peer-user', project_id: 'p1', request_id: 'req-abc', roles: ['member'] } },
    { op: 'call', topic, method: 'sleep', args: { seconds: 5 }, cm_timeout: 4, timeout: 15 },
    { op: 'call', topic, method: 'sleep', args: { seconds: 4 }, timeout: 1 },
  ];
  const [echo, add, whoami, cast, fanout, fail, noSuch, secret, v2, v12, ns, otherNs, ctx, monitored, timedOut] = await runPythonClient(
    brokerUrl,
    ops,
  );

  assert.deepEqual(echo?.result, { nested: ['x', 1, null] });
  assert.equal(add?.result, 42);
  assert.equal(whoami?.result, 'node-b');
  assert.equal(cast?.ok, true);
  assert.equal(fanout?.ok, true);
  await until(
    'the direct cast and both fanout copies',
    () =>
      endpoints.a.casts.includes('direct-cast') && endpoints.a.casts.includes('fanout-cast') && endpoints.b.casts.includes('fanout-cast'),
  );

  assert.equal(fail?.type, 'ValueError', "a builtin exception is rebuilt as the caller's own class");
  assert.equal(fail?.module, 'builtins');
  assert.match(String(fail?.message), /^boom-42/);
  for (const [name, result] of [
    ['no_such_method', noSuch],
    ['_secret', secret],
  ] as const) {
    assert.equal(result?.type, 'RemoteError');
    assert.equal(result?.exc_type, 'NoSuchMethod');
    assert.equal(result?.value, `Endpoint does not support RPC method ${name}`);
  }
  assert.equal(v2?.exc_type, 'UnsupportedVersion');
  assert.equal(v2?.value, 'Endpoint does not support RPC version 2.0. Attempted method: echo');
  assert.equal(v12?.result, 'v1.2');
  assert.deepEqual(ns?.result, { namespace: 'extra', value: 3 });
  assert.equal(otherNs?.exc_type, 'UnsupportedVersion', 'oslo reports a namespace mismatch as UnsupportedVersion');

  const seen = ctx?.result as Record<string, unknown>;
  assert.equal(seen.user_id, 'peer-user');
  assert.equal(seen.project_id, 'p1');
  assert.equal(seen.request_id, 'req-abc');
  assert.deepEqual(seen.roles, ['member']);

  assert.equal(monitored?.result, 5, 'heartbeats kept a 5 s call alive past a 4 s call-monitor timeout');
  assert.ok(Number(monitored?.elapsed) >= 4.9);
  assert.equal(timedOut?.type, 'MessagingTimeout');
  assert.ok(Number(timedOut?.elapsed) < 3.5, 'the timeout, not the 4 s sleep, ended the call');
});
