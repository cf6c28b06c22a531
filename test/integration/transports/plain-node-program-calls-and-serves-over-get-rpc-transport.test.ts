/**
 * Issue 25, part 3: a plain Node program outside the launcher (an .mjs file in a project of its
 * own that imports `oslo-node` as an installed package) gets a started transport from
 * getRpcTransport() and is an oslo.messaging client and server with it: it calls and casts to a
 * real launcher's demo service over the embedded transport (found at the default socket path,
 * as oslo-node-rpc finds it) and over RabbitMQ, calls a Python oslo.messaging server, and runs
 * an RpcServer that a Python oslo.messaging client calls, with [oslo_messaging_rabbit] options
 * from `config` honoured. `await transport.stop()` lets the program end on its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { privateVhost, rabbit, uniqueTopic, withBroker } from '../../helpers/broker.js';
import { startLauncher } from '../../helpers/launcher.js';
import { rabbitUrl, runPythonClient, startPythonServer } from '../../helpers/python-peer.js';
import { jsonLines, userProject, type UserProject } from '../../helpers/user-program.js';

/** argv[2]: getRpcTransport's options; argv[3]: the operations. Prints one JSON line of results. */
const CLIENT = `
import { getRpcTransport, RpcClient } from 'oslo-node';
const options = JSON.parse(process.argv[2]);
const ops = JSON.parse(process.argv[3]);
const transport = await getRpcTransport(options);
const results = [];
for (const op of ops) {
  const client = new RpcClient(transport, { topic: op.topic, ...(op.server ? { server: op.server } : {}) }, { timeoutSeconds: 30 });
  results.push(op.kind === 'cast' ? await client.cast({ user_id: 'u1' }, op.method, op.args) ?? null : await client.call({ user_id: 'u1' }, op.method, op.args));
}
console.log(JSON.stringify({ kind: transport.kind, results }));
await transport.stop();
`;

/** argv[2]: options; argv[3]: topic. An RpcServer until SIGTERM; prints "ready", then each call. */
const SERVER = `
import { getRpcTransport, RpcServer } from 'oslo-node';
const transport = await getRpcTransport(JSON.parse(process.argv[2]));
const endpoint = {
  add(ctx, { a, b }) {
    console.log(JSON.stringify({ event: 'add', a, b, user: ctx.user_id ?? null }));
    return a + b;
  },
};
const server = new RpcServer(transport, { topic: process.argv[3], server: 'user-host' }, [endpoint]);
await server.start();
console.log(JSON.stringify({ event: 'ready', kind: transport.kind }));
process.once('SIGTERM', async () => {
  await server.stop();
  await transport.stop();
});
`;

function project(t: Parameters<typeof userProject>[0]): UserProject {
  const user = userProject(t);
  user.write('client.mjs', CLIENT);
  user.write('server.mjs', SERVER);
  return user;
}

const DEMO_OPS = [
  { kind: 'call', topic: 'demo', method: 'add', args: { a: 2, b: 3 } },
  { kind: 'call', topic: 'demo', method: 'echo', args: { value: { text: 'héllo ✓', n: [1, 2] } } },
  { kind: 'cast', topic: 'demo', method: 'echo', args: { value: 'cast' } },
];

test('over the embedded transport: no URL finds the local launcher at the default socket and calls its demo service', {
  timeout: 90_000,
}, async (t) => {
  const user = project(t);
  const launcher = await startLauncher(['--workers', '1'], { env: user.env });
  t.after(() => launcher.kill());
  const result = await user.run('client.mjs', ['{}', JSON.stringify(DEMO_OPS)]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(jsonLines(result.stdout).at(-1), { kind: 'embedded', results: [5, { text: 'héllo ✓', n: [1, 2] }, null] });
  // The same through `config: { embedded_socket }`, the launcher's own default path (issue 26: named by its pid).
  const socket = `${user.runtimeDir}/oslo-node-${process.getuid!()}/embedded-${launcher.pid}.sock`;
  assert.equal((await launcher.waitForLine((line) => line.msg.startsWith('embedded RPC transport listening'))).socket, socket);
  const named = await user.run('client.mjs', [
    JSON.stringify({ config: { embedded_socket: socket }, env: {} }),
    JSON.stringify(DEMO_OPS.slice(0, 1)),
  ]);
  assert.equal(named.exitCode, 0, named.stderr);
  assert.deepEqual(jsonLines(named.stdout).at(-1), { kind: 'embedded', results: [5] });
});

test('over RabbitMQ: calls and casts to a launcher and to a Python oslo.messaging server; serves a Python client', {
  timeout: 180_000,
}, async (t) => {
  const broker = await withBroker(t);
  if (!broker) return;
  const { url } = await privateVhost(t, broker);
  const user = project(t);
  const launcher = await startLauncher(['--workers', '1', '--transport-url', url], { env: user.env });
  t.after(() => launcher.kill());

  // Ours: the launcher's demo service, with oslo's rabbit:// spelling of the URL.
  const ours = await user.run('client.mjs', [JSON.stringify({ transportUrl: rabbitUrl(url) }), JSON.stringify(DEMO_OPS)]);
  assert.equal(ours.exitCode, 0, ours.stderr);
  assert.deepEqual(jsonLines(ours.stdout).at(-1), { kind: 'amqp', results: [5, { text: 'héllo ✓', n: [1, 2] }, null] });

  // Python's: oslo.messaging's own RPC server, called and cast to (the URL from config this time).
  const pyTopic = uniqueTopic('user-py');
  const python = await startPythonServer(t, url, pyTopic, 'py-host');
  const pyOps = [
    { kind: 'call', topic: pyTopic, method: 'add', args: { a: 20, b: 22 } },
    { kind: 'call', topic: pyTopic, server: 'py-host', method: 'whoami', args: {} },
    { kind: 'cast', topic: pyTopic, method: 'record', args: { value: 'from a plain program' } },
  ];
  const toPython = await user.run('client.mjs', [JSON.stringify({ config: { transport_url: url } }), JSON.stringify(pyOps)]);
  assert.equal(toPython.exitCode, 0, toPython.stderr);
  assert.deepEqual(jsonLines(toPython.stdout).at(-1), { kind: 'amqp', results: [42, 'py-host', null] });
  const cast = await python.waitEvent((event) => event.event === 'cast');
  assert.equal(cast.value, 'from a plain program');

  // A server of the program's own, its topic queue a quorum queue as [oslo_messaging_rabbit] asks
  // (in a vhost of its own: quorum makes the control exchange durable, the launcher's is not).
  const quorum = await privateVhost(t, broker);
  const topic = uniqueTopic('user-server');
  const server = user.run(
    'server.mjs',
    [JSON.stringify({ transportUrl: quorum.url, config: { oslo_messaging_rabbit: { rabbit_quorum_queue: true } } }), topic],
    { timeoutMs: 120_000 },
  );
  t.after(() => server.kill('SIGKILL'));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('"ready"')) resolve();
    });
    void server.then((result) => reject(new Error(`server exited ${result.exitCode}: ${result.stderr}`)));
  });
  // The Python client shares the options (its reply queues and the exchange must match).
  const ini = user.write('quorum.conf', '[oslo_messaging_rabbit]\nrabbit_quorum_queue = true\n');
  const [reply] = await runPythonClient(
    quorum.url,
    [{ op: 'call', topic, method: 'add', args: { a: 1, b: 41 }, ctx: { user_id: 'py-user' } }],
    60_000,
    ['--config-file', ini],
  );
  assert.equal(reply!.result, 42, JSON.stringify(reply));
  // rabbitmqctl lists a queue's arguments as [name, type, value] triples.
  const queues = JSON.parse(await rabbit(['ctl', 'list_queues', '-p', quorum.name, 'name', 'arguments', '--formatter', 'json'])) as Array<{
    name: string;
    arguments: Array<[string, string, unknown]>;
  }>;
  const queueType = queues.find((row) => row.name === topic)?.arguments.find(([name]) => name === 'x-queue-type')?.[2];
  assert.equal(queueType, 'quorum', JSON.stringify(queues));
  server.kill('SIGTERM');
  const ended = await server;
  assert.equal(ended.exitCode, 0, `the program ends on its own once the server and transport stopped: ${ended.stderr}`);
  assert.deepEqual(
    jsonLines(ended.stdout).find((line) => line.event === 'add'),
    { event: 'add', a: 1, b: 41, user: 'py-user' },
  );
});
