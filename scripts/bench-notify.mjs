// Notifications/s sent and received over RabbitMQ, in one run: ours (Notifier, NotificationListener)
// against Python oslo.messaging's Notifier and listener (bookworm's 14.0.3) and against raw amqplib
// publishing and consuming the same messages (scripts/lib/notify-bench-side.mjs). Each side runs in
// its own process, one after the other, on the test broker (scripts/rabbitmq.sh).
//
// Sending: COUNT info notifications, ours and raw with up to WINDOW unconfirmed at once, Python one
// after the other (its API blocks on each publisher confirm). Receiving: the queue is filled with
// COUNT notifications first (raw publisher), then the timer runs from the listener's start until
// the last one reached the endpoint (acked per message, prefetch 128 for ours and raw, unlimited
// for Python as oslo's default).
//
// usage: node scripts/bench-notify.mjs [--count N] [--python-count N] [--window N]
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { connect } from 'amqplib';
import { broker } from './lib/rpc-pair.mjs';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20000' },
    'python-count': { type: 'string', default: '3000' },
    window: { type: 'string', default: '64' },
  },
});
const count = Number(values.count);
const pythonCount = Number(values['python-count']);
const window = values.window;
const at = (path) => new URL(path, import.meta.url).pathname;
const SIDE = at('./lib/notify-bench-side.mjs');
const PY = at('./peers/oslo_notify_bench.py');

const { url, stop } = broker();
const queues = [];
const topicFor = (what) => {
  const topic = `bench-notify-${what}-${randomBytes(3).toString('hex')}`;
  queues.push(`${topic}.info`);
  return topic;
};

function run(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed: ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

const node = (side, phase, topic, n) => run(process.execPath, [SIDE, side, phase, url, topic, String(n), window]);
const python = (phase, topic, n) => run('/usr/bin/python3', [PY, phase, url.replace(/^amqp:/, 'rabbit:'), topic, String(n)]);
const rate = ({ count: n, ms }) => Math.round((n / ms) * 1000);

const results = {};
for (const side of ['ours', 'raw', 'python']) {
  const n = side === 'python' ? pythonCount : count;
  const sendTopic = topicFor(`${side}-send`);
  const sent = side === 'python' ? python('send', sendTopic, n) : node(side, 'send', sendTopic, n);
  const receiveTopic = topicFor(`${side}-receive`);
  node('raw', 'fill', receiveTopic, n);
  const received = side === 'python' ? python('receive', receiveTopic, n) : node(side, 'receive', receiveTopic, n);
  results[side] = { sent: rate(sent), received: rate(received), n };
  console.error(`# ${side}: ${n} sent at ${results[side].sent}/s, received at ${results[side].received}/s`);
}

const model = await connect(url);
const channel = await model.createChannel();
for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
await model.close();
stop();

const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
console.log('| side | notifications | sent/s | received/s | sent vs Python | received vs Python | sent vs raw | received vs raw |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const side of ['ours', 'python', 'raw']) {
  const r = results[side];
  console.log(
    `| ${side === 'ours' ? 'ours (Notifier / NotificationListener)' : side === 'python' ? 'Python oslo.messaging 14.0.3' : 'raw amqplib, same messages'} | ${r.n} | ${r.sent} | ${r.received} | ${ratio(r.sent, results.python.sent)} | ${ratio(r.received, results.python.received)} | ${ratio(r.sent, results.raw.sent)} | ${ratio(r.received, results.raw.received)} |`,
  );
}
console.log(`\nuptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
