/**
 * The RabbitMQ 4 broker the suite runs (scripts/rabbitmq.sh --rabbitmq4, from the trixie root of
 * scripts/trixie-root.sh) is the broker of the issue: RabbitMQ 4, refusing transient non-exclusive
 * queues the way 4.3 ships, while durable quorum queues and exclusive queues are fine. The
 * root also holds the oslo.messaging 16.1 peer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'amqplib';
import { execa } from 'execa';
import { rabbit, uniqueTopic, withRabbitmq4 } from '../../helpers/broker.js';
import { trixieRoot } from './support.js';

test('the RabbitMQ 4 broker denies transient non-exclusive queues and accepts quorum and exclusive ones', async (t) => {
  const url = await withRabbitmq4(t);
  if (!url) return;
  const version = JSON.parse(await rabbit(['--rabbitmq4', 'ctl', 'eval', 'rabbit_misc:version().'])) as string;
  assert.match(version, /^4\./);

  const model = await connect(url);
  t.after(() => model.close().catch(() => undefined));
  const channel = await model.createChannel();
  const quorum = uniqueTopic('rmq4-quorum');
  await channel.assertQueue(quorum, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.assertQueue('', { durable: false, exclusive: true });
  await channel.deleteQueue(quorum);

  // The broker closes the whole connection (541), naming the deprecated feature.
  const closed = new Promise<Error>((resolve) => model.once('error', resolve));
  await assert.rejects(channel.assertQueue(uniqueTopic('rmq4-transient'), { durable: false, exclusive: false }));
  assert.match((await closed).message, /transient_nonexcl_queues/);
});

test('the trixie root holds oslo.messaging 16.1 for the Python peer', async (t) => {
  const root = trixieRoot();
  if ('skip' in root) {
    t.skip(root.skip);
    return;
  }
  const { stdout } = await execa('chroot', [
    root.path,
    'python3',
    '-c',
    'import importlib.metadata as m; print(m.version("oslo.messaging"))',
  ]);
  assert.match(stdout.trim(), /^16\.1\./);
});
