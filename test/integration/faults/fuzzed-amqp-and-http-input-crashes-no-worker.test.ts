/**
 * Bad input at both doors, under steady good traffic: 15,000 fuzzed AMQP bodies published raw to
 * the RPC queues (topic and topic.host) and 15,000 malformed or oversized HTTP requests over raw
 * sockets, plus slowloris clients trickling bytes. No worker crashes or restarts, every bad
 * connection is closed by the server, and good requests and calls are still answered.
 *
 * Memory: the storm runs in three rounds of 5,000 + 5,000. The first two warm up what a storm
 * makes a process keep without leaking: V8 grows its heap spaces for 2 MB bodies and thousands
 * of sockets and keeps them, malloc keeps freed buffers (the launcher's RSS grows for about
 * 15,000 connections, then stays flat). The baseline is taken after them; after the third round
 * RSS must be back within 20 % of it, where a leak would grow with every round.
 */
import assert from 'node:assert/strict';
import { connect as connectTcp, type Socket } from 'node:net';
import { test } from 'node:test';
import amqplib from 'amqplib';
import { privateVhost, withBroker } from '../../helpers/broker.js';
import { demoRpcRoutes, rssKiB, startHttpLoad, startLoop, summary, type Loop } from '../../helpers/fault-load.js';
import { until } from '../../helpers/wait.js';
import { amqpClient } from '../../helpers/fault-rpc.js';
import { fuzzEnvelope, fuzzHttp, prng } from '../../helpers/fuzz-inputs.js';
import { startLauncher } from '../../helpers/launcher.js';

const ROUNDS = 3;
const AMQP_PER_ROUND = 5_000;
const HTTP_PER_ROUND = 5_000;
const HTTP_CONCURRENCY = 32;
const SLOWLORIS = 20;
const SEED = Number(process.env.OSLO_NODE_FUZZ_SEED ?? 7);
/** RSS after the last round may exceed the baseline taken before it by this factor. */
const GROWTH_LIMIT = 1.2;

/** Send one raw case; resolve with the status line the server sent (or '-') and whether the server closed the connection. */
function rawExchange(port: number, bytes: Buffer, end: boolean, limitMs: number): Promise<{ status: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket: Socket = connectTcp({ host: '127.0.0.1', port });
    let head = '';
    const timer = setTimeout(() => finish(false), limitMs);
    const finish = (closedByServer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? '-', closedByServer });
    };
    socket.on('data', (chunk: Buffer) => {
      if (head.length < 64) head += chunk.toString('latin1');
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      socket.write(bytes, () => undefined);
      if (end) socket.end();
    });
  });
}

/** A slowloris client: one byte of a never-ending header every `everyMs`; resolves with ms until the server closed it (or -1). */
function slowloris(port: number, everyMs: number, limitMs: number): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connectTcp({ host: '127.0.0.1', port });
    const text = Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Trickle: ${'z'.repeat(10_000)}`);
    let i = 0;
    const tick = setInterval(() => {
      if (!socket.destroyed && i < text.length) socket.write(text.subarray(i, ++i));
    }, everyMs);
    const stop = (closedAt: number): void => {
      clearInterval(tick);
      clearTimeout(limit);
      socket.destroy();
      resolve(closedAt);
    };
    const limit = setTimeout(() => stop(-1), limitMs);
    socket.on('error', () => undefined);
    socket.on('close', () => stop(performance.now() - started));
  });
}

test('15,000 fuzzed AMQP bodies and 15,000 malformed HTTP requests: no crash, no memory growth, good traffic answered', {
  timeout: 180_000,
}, async (t) => {
  const sharedUrl = await withBroker(t);
  if (!sharedUrl) return;
  // Its own vhost: queue names do not carry the exchange, so other tests' demo servers on the
  // shared broker would consume from the same 'demo' queue.
  const { url: brokerUrl } = await privateVhost(t, sharedUrl);
  const exchange = `faults_fuzz_${process.pid}`;
  const host = `fuzzhost${process.pid}`;
  const launcher = await startLauncher([
    '--workers',
    '2',
    '--transport-url',
    brokerUrl,
    '--control-exchange',
    exchange,
    '--service-host',
    host,
    '--rpc-max-message-bytes',
    String(1024 * 1024),
    '--kombu-missing-consumer-retry-timeout',
    '1',
    '--client-socket-timeout',
    '2',
    '--digest-spacing',
    '0',
    '--report-interval',
    '1',
    '--graceful-shutdown-timeout',
    '5',
    '--no-access-log',
  ]);
  t.after(() => launcher.kill());
  const pids = launcher.lines.find((line) => line.msg === 'launcher ready')!.pids as number[];
  const { client } = await amqpClient(t, brokerUrl, exchange, { timeoutSeconds: 10 });

  const loads: Loop[] = [
    startHttpLoad('good http /healthz', launcher.port, [{ path: '/healthz' }], { concurrency: 2, maxMs: 150_000, pauseMs: 5 }),
    startHttpLoad('good rpc via the workers', launcher.port, demoRpcRoutes(), { concurrency: 1, maxMs: 150_000, pauseMs: 5 }),
    startLoop(
      'good rpc calls from an outside client',
      async (_lane, n) => {
        if ((await client.call({}, 'echo', { value: n })) !== n) throw new Error('wrong echo');
      },
      { concurrency: 1, maxMs: 150_000, pauseMs: 5 },
    ),
  ];
  t.after(() => Promise.all(loads.map((load) => load.stop())));
  const warmStart = performance.now();
  await until('warmed up', () => performance.now() - warmStart > 5000 && loads.every((load) => load.tally.ok > 500), { timeoutMs: 30_000 });
  const watched = [launcher.pid, ...pids];

  // AMQP: raw bodies on a confirm channel, half to the topic queue, half to topic.host.
  const random = prng(SEED);
  const connection = await amqplib.connect(brokerUrl);
  t.after(() => connection.close().catch(() => undefined));
  const channel = await connection.createConfirmChannel();
  const replies = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  let replyCount = 0;
  await channel.consume(replies.queue, () => void replyCount++, { noAck: true });
  let published = 0;
  let amqpMs = 0;
  const fuzzAmqp = async (count: number): Promise<void> => {
    const started = performance.now();
    for (const last = published + count; published < last; published++) {
      const n = published;
      const body = fuzzEnvelope(random, n, 2 * 1024 * 1024, replies.queue);
      const properties =
        n % 50 === 7
          ? { contentType: 'application/x-garbage', contentEncoding: 'gzip', headers: { 'x-fuzz': { nested: [n] } } }
          : { contentType: 'application/json', contentEncoding: 'utf-8' };
      channel.publish(exchange, n % 2 === 0 ? 'demo' : `demo.${host}`, Buffer.isBuffer(body) ? body : Buffer.from(body), properties);
      if (n % 250 === 249) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
    amqpMs += performance.now() - started;
  };

  // HTTP: raw connections, bounded concurrency, plus slowloris clients for the whole time.
  const statuses = new Map<string, Map<string, number>>();
  let notClosed = 0;
  let next = 0;
  let httpMs = 0;
  const trickleClosedMs: number[] = [];
  const skipKinds = (process.env.OSLO_NODE_FUZZ_SKIP ?? '').split(',').filter(Boolean);
  let skipped = 0;
  const fuzzHttpRound = async (count: number): Promise<void> => {
    const started = performance.now();
    const trickles = Array.from({ length: Math.ceil(SLOWLORIS / ROUNDS) }, () => slowloris(launcher.port, 100, 15_000));
    // Bounded in time too: a crashed or wedged launcher must fail the test, not hang it.
    const deadline = started + 45_000;
    const last = next + count;
    const lane = async (): Promise<void> => {
      while (next < last && performance.now() < deadline && launcher.child.exitCode === null) {
        const c = fuzzHttp(random, next++);
        if (skipKinds.some((kind) => c.kind.includes(kind))) {
          skipped++;
          continue;
        }
        const { status, closedByServer } = await rawExchange(launcher.port, c.bytes, c.end, 8000);
        if (!closedByServer) notClosed++;
        const byKind = statuses.get(c.kind) ?? new Map<string, number>();
        byKind.set(status, (byKind.get(status) ?? 0) + 1);
        statuses.set(c.kind, byKind);
      }
    };
    await Promise.all(Array.from({ length: HTTP_CONCURRENCY }, lane));
    httpMs += performance.now() - started;
    trickleClosedMs.push(...(await Promise.all(trickles)));
  };

  /** One round of both storms, then wait until the servers have worked off its backlog and good traffic flows. */
  const stormRound = async (): Promise<void> => {
    await fuzzAmqp(AMQP_PER_ROUND);
    await fuzzHttpRound(HTTP_PER_ROUND);
    // Queued fuzz messages and reply retries are worked off before memory is read.
    await until(
      'the RPC queues drained',
      async () => {
        const check = await channel.checkQueue('demo');
        const checkHost = await channel.checkQueue(`demo.${host}`);
        return check.messageCount === 0 && checkHost.messageCount === 0;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const mark = performance.now();
    await until(
      'good traffic after the storm',
      () => loads.every((load) => load.tally.outcomes.filter((o) => o.ok && o.start > mark).length >= 50),
      { timeoutMs: 20_000 },
    );
  };

  const rssByRound = [watched.map(rssKiB)];
  for (let round = 1; round <= ROUNDS; round++) {
    await stormRound();
    rssByRound.push(watched.map(rssKiB));
  }
  const baseline = rssByRound[ROUNDS - 1]!;
  const after = rssByRound[ROUNDS]!;
  await Promise.all(loads.map((load) => load.stop()));

  for (const load of loads) console.log(summary(load.tally));
  console.log(
    `# AMQP fuzz: ${published} bodies published in ${amqpMs.toFixed(0)} ms (seed ${SEED}); ${replyCount} replies to our reply queue`,
  );
  console.log(
    `# HTTP fuzz: ${next - skipped} of ${ROUNDS * HTTP_PER_ROUND} connections in ${httpMs.toFixed(0)} ms${skipped ? ` (${skipped} skipped: ${skipKinds.join(', ')})` : ''}; ${notClosed} not closed by the server within 8 s`,
  );
  console.log(
    `# HTTP statuses by kind: ${JSON.stringify(Object.fromEntries([...statuses].map(([kind, byStatus]) => [kind, Object.fromEntries(byStatus)])))}`,
  );
  console.log(
    `# slowloris: ${trickleClosedMs.length} clients closed by the server after ${Math.min(...trickleClosedMs).toFixed(0)}..${Math.max(...trickleClosedMs).toFixed(0)} ms (-1 = never)`,
  );
  console.log(`# RSS KiB (launcher, workers) before and after each round: ${rssByRound.map((kib) => kib.join('/')).join(' -> ')}`);

  const fatal = launcher.lines
    .filter((line) => line.level >= 60)
    .map(
      (line) =>
        `${line.msg}: ${String((line.err as { stack?: string } | undefined)?.stack ?? '')
          .split('\n')
          .slice(0, 4)
          .join(' ')}`,
    );
  assert.deepEqual(fatal, [], 'no fatal error in a worker');
  assert.ok(!launcher.lines.some((line) => line.msg === 'worker died unexpectedly'), 'no worker crashed');
  assert.equal(next, ROUNDS * HTTP_PER_ROUND, 'every HTTP fuzz connection was made in time');
  assert.equal(launcher.child.exitCode, null);
  assert.ok(
    !launcher.lines.some((line) => line.msg === 'worker ready' && !pids.includes(line.workerPid as number)),
    'no worker was replaced',
  );
  for (const load of loads) assert.equal(load.tally.failed, 0, `${load.tally.name}: ${load.tally.errors.join('; ')}`);
  assert.equal(notClosed, 0, 'the server closes every bad connection');
  assert.ok(
    trickleClosedMs.every((ms) => ms > 0 && ms < 10_000),
    `slowloris clients are cut: ${trickleClosedMs.join(', ')}`,
  );
  assert.ok(replyCount > 0, 'well-formed calls in the mix were answered');
  after.forEach((kib, i) => {
    assert.ok(kib <= baseline[i]! * GROWTH_LIMIT, `pid ${watched[i]}: RSS ${kib} KiB after round ${ROUNDS}, ${baseline[i]} KiB before it`);
  });
});
