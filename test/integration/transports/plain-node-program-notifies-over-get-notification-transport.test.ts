/**
 * Issue 25, part 3: a plain Node program sends notifications with getNotificationTransport() and
 * a Notifier: over RabbitMQ to a Python oslo.messaging NotificationListener (the URL from
 * `[oslo_messaging_notifications] transport_url`, as oslo's get_notification_transport reads
 * it), and over the embedded transport of a local launcher to our NotificationListener in a
 * second plain program.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { privateVhost, uniqueTopic, withBroker } from '../../helpers/broker.js';
import { until } from '../../helpers/wait.js';
import { startLauncher } from '../../helpers/launcher.js';
import { jsonLines, userProject } from '../../helpers/user-program.js';
import { startPythonListener } from '../notify/support.js';

/** argv[2]: getNotificationTransport's options; argv[3]: topic. Sends three notifications. */
const NOTIFY = `
import { getNotificationTransport, Notifier } from 'oslo-node';
const transport = await getNotificationTransport(JSON.parse(process.argv[2]));
const notifier = new Notifier(transport, { publisherId: 'user.host', topics: [process.argv[3]], throwOnError: true });
const ctx = { user_id: 'u1', request_id: 'req-user' };
await notifier.info(ctx, 'user.created', { n: 1, text: 'ünïcødé' });
await notifier.warn(ctx, 'user.warned', { n: 2 });
await notifier.prepare({ publisherId: 'user.other' }).error(ctx, 'user.failed', { n: 3 });
console.log(JSON.stringify({ sent: 3, kind: transport.kind }));
await transport.stop();
`;

/** argv[2]: options; argv[3]: topic. Prints "ready", then one line per notification. */
const LISTEN = `
import { getNotificationTransport, NotificationListener } from 'oslo-node';
const transport = await getNotificationTransport(JSON.parse(process.argv[2]));
const endpoint = {};
for (const priority of ['info', 'warn', 'error']) {
  endpoint[priority] = (ctxt, publisher, event, payload) => console.log(JSON.stringify({ priority, publisher, event, payload }));
}
const listener = new NotificationListener(transport, [{ topic: process.argv[3] }], [endpoint]);
await listener.start();
console.log(JSON.stringify({ event: 'ready' }));
process.once('SIGTERM', async () => {
  await listener.stop();
  await transport.stop();
});
`;

const EXPECTED = [
  { priority: 'info', publisher: 'user.host', event: 'user.created', payload: { n: 1, text: 'ünïcødé' } },
  { priority: 'warn', publisher: 'user.host', event: 'user.warned', payload: { n: 2 } },
  { priority: 'error', publisher: 'user.other', event: 'user.failed', payload: { n: 3 } },
];

test('over RabbitMQ to a Python oslo.messaging NotificationListener', { timeout: 120_000 }, async (t) => {
  const broker = await withBroker(t);
  if (!broker) return;
  const { url } = await privateVhost(t, broker);
  const user = userProject(t);
  user.write('notify.mjs', NOTIFY);
  const topic = uniqueTopic('user-notify');
  const python = await startPythonListener(t, 'oslo.messaging 14.0.3', url, { topics: [topic], priorities: ['info', 'warn', 'error'] });
  const sent = await user.run('notify.mjs', [JSON.stringify({ config: { oslo_messaging_notifications: { transport_url: url } } }), topic]);
  assert.equal(sent.exitCode, 0, sent.stderr);
  assert.deepEqual(jsonLines(sent.stdout).at(-1), { sent: 3, kind: 'amqp' });
  await until(
    'three notifications at the Python listener',
    () => python.events.filter((event) => event.event === 'notification').length === 3,
    { timeoutMs: 20_000 },
  );
  const got = python.events
    .filter((event) => event.event === 'notification')
    .map((event) => ({ priority: event.priority, publisher: event.publisher_id, event: event.event_type, payload: event.payload }))
    .sort((a, b) => (a.payload as { n: number }).n - (b.payload as { n: number }).n);
  assert.deepEqual(got, EXPECTED);
});

test('over the embedded transport of a local launcher to a NotificationListener in another program', { timeout: 90_000 }, async (t) => {
  const user = userProject(t);
  user.write('notify.mjs', NOTIFY);
  user.write('listen.mjs', LISTEN);
  const launcher = await startLauncher(['--workers', '1'], { env: user.env });
  t.after(() => launcher.kill());
  const topic = uniqueTopic('user-notify');
  const listener = user.run('listen.mjs', ['{}', topic]);
  t.after(() => listener.kill('SIGKILL'));
  let out = '';
  listener.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until('the listener is ready', () => out.includes('"ready"'), { timeoutMs: 30_000 });
  const sent = await user.run('notify.mjs', ['{}', topic]);
  assert.equal(sent.exitCode, 0, sent.stderr);
  assert.deepEqual(jsonLines(sent.stdout).at(-1), { sent: 3, kind: 'embedded' });
  await until('three notifications at the listener', () => jsonLines(out).filter((line) => line.priority).length === 3, {
    timeoutMs: 20_000,
  });
  listener.kill('SIGTERM');
  const ended = await listener;
  assert.equal(ended.exitCode, 0, ended.stderr);
  assert.deepEqual(
    jsonLines(ended.stdout).filter((line) => line.priority),
    EXPECTED,
  );
});
