// One simulation process of scripts/bench-servicegroup.mjs: many simulated members (logical
// hosts, or workers in the old per-worker scheme), each with its own connection (an AMQP
// connection, or a pg pool of its own) and its own report timer, running the project's real
// drivers and HostReporter; no real workers. Driven by its parent over IPC:
//   {cmd:'start', ...}  build and start `count` members from `first`   → {ok, rssBefore}
//   {cmd:'stats'}       counters so far                                → {published, delivered, failures, rss, cpuMs}
//   {cmd:'kill', index} stop member `index` as if its host died (no leave)
//   {cmd:'watch', host, observer, pollMs} poll member `observer`'s table until `host` reads down
//                       → {ms, downAtStart: other hosts already reading down when the watch began}
//   {cmd:'stop'}        stop everything and exit
import pino from 'pino';
import { loadConfig } from '../../dist/src/config/index.js';
import { AmqpTransport } from '../../dist/src/rpc/transports/amqp/index.js';
import { DbDriver } from '../../dist/src/servicegroup/db-driver.js';
import { HostReporter } from '../../dist/src/servicegroup/host-reporter.js';
import { MessagingDriver } from '../../dist/src/servicegroup/messaging-driver.js';

const logger = pino({ level: 'error' }, pino.destination(2));
const members = new Map();
const counters = { published: 0, delivered: 0, lastConfirmedAt: 0 };

/** Count what the member's transport publishes and delivers (the Transport interface, wrapped). */
function counted(transport) {
  const publish = transport.publish.bind(transport);
  transport.publish = async (request) => {
    counters.published++;
    await publish(request);
    // When the broker last confirmed a report of this process (down-detection diagnosis).
    counters.lastConfirmedAt = Date.now();
  };
  const listen = transport.listen.bind(transport);
  transport.listen = (target, onRequest) =>
    listen(target, (delivery) => {
      counters.delivered++;
      onRequest(delivery);
    });
  return transport;
}

async function startMember(index, options) {
  const { driver: kind, interval, downTime, url, connection, exchange, workersPerHost } = options;
  // The old scheme: every worker is a member of its host's record; per host: one member per host.
  const hostIndex = Math.floor(index / workersPerHost);
  const record = { host: `sim-${hostIndex}`, binary: 'sim', topic: 'sim', version: '1.0' };
  const pid = 100_000 + index;
  const config = Object.freeze({ ...loadConfig([], {}).config, control_exchange: exchange, transport_url: url });
  const driver =
    kind === 'db'
      ? new DbDriver({ connection, logger, serviceDownTimeSeconds: downTime })
      : new MessagingDriver({
          transport: counted(new AmqpTransport({ url, config, logger })),
          ownsTransport: true,
          logger,
          serviceDownTimeSeconds: downTime,
          controlExchange: exchange,
          adminToken: undefined,
        });
  await driver.start();
  const reporter = new HostReporter({ driver, logger, reportIntervalSeconds: interval, serviceDownTimeSeconds: downTime, pid });
  const member = { driver, reporter, record, timers: [] };
  members.set(index, member);
  // Real hosts start at random moments: spread the first reports over one interval.
  const delay = Math.random() * interval * 1000;
  member.timers.push(
    setTimeout(() => {
      void reporter.workerAlive(pid + 1_000_000, record);
      reporter.start();
      member.timers.push(setInterval(() => void reporter.workerAlive(pid + 1_000_000, record), (interval * 1000) / 2));
    }, delay),
  );
}

async function kill(index) {
  const member = members.get(index);
  if (!member) return;
  members.delete(index);
  for (const timer of member.timers) clearTimeout(timer), clearInterval(timer);
  await member.reporter.stop(false);
  await member.driver.stop();
}

/** ms until `host` reads down in `observer`'s table, and how many hosts read down at the start. */
async function watch({ host, observer, pollMs }) {
  const started = performance.now();
  const member = members.get(observer);
  let downAtStart;
  let lastSeenAgoMs;
  for (;;) {
    const rows = await member.driver.services().catch(() => []);
    downAtStart ??= rows.filter((row) => row.state === 'down' && row.host !== host).length;
    const seen = rows.find((row) => row.host === host)?.lastHeartbeat;
    lastSeenAgoMs ??= seen ? Date.now() - Date.parse(seen) : null;
    if (rows.find((row) => row.host === host)?.state === 'down') return { ms: performance.now() - started, downAtStart, lastSeenAgoMs };
    if (performance.now() - started > 120_000) return { ms: Infinity, downAtStart };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function cpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

process.on('message', async (message) => {
  try {
    if (message.cmd === 'start') {
      const rssBefore = process.memoryUsage().rss;
      // Connect a few at a time: a thousand connections at once only measure the accept queue.
      const indexes = Array.from({ length: message.count }, (_, i) => message.first + i);
      for (let i = 0; i < indexes.length; i += 20) await Promise.all(indexes.slice(i, i + 20).map((index) => startMember(index, message)));
      process.send({ ok: true, rssBefore });
    } else if (message.cmd === 'stats') {
      process.send({ ...counters, rss: process.memoryUsage().rss, cpuMs: cpuMs() });
    } else if (message.cmd === 'kill') {
      await kill(message.index);
      process.send({ ok: true });
    } else if (message.cmd === 'watch') {
      process.send(await watch(message));
    } else if (message.cmd === 'stop') {
      await Promise.allSettled([...members.keys()].map((index) => kill(index)));
      process.exit(0);
    }
  } catch (error) {
    process.send({ error: String(error?.stack ?? error) });
  }
});
process.send({ ready: true });
