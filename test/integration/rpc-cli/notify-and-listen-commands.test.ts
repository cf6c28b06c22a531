/**
 * `node dist/rpc.js notify ...` and `listen ...` over the embedded socket (a real router, real CLI
 * processes): the JSON line per notification with its fields, --count, --pool, --publisher-id,
 * requeue past --count, exit 3 when --timeout passes first, exit 2 for bad usage; and the same
 * commands over RabbitMQ.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import { uniqueTopic, withBroker } from '../../helpers/broker.js';
import { inProcessBroker } from '../../unit/rpc/support/in-process.js';

const RPC = fileURLToPath(new URL('../../../rpc.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'oslo-node-notify-cli-'));
const socketPath = join(dir, 'embedded.sock');
const broker = inProcessBroker({ socketPath });

before(() => broker.router.start());
after(async () => {
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  execa('node', [RPC, ...args, '--embedded-socket', socketPath], {
    reject: false,
    timeout: 20_000,
    env: { OSLO_NODE_EMBEDDED_SOCKET: '' },
  });

/**
 * A listener started with --log-level debug; resolves once it logged that it consumes. (The
 * child is wrapped: an async function returning it, a promise, would wait for its exit.)
 */
async function startedListener(...args: string[]): Promise<{ child: ResultPromise }> {
  const child = cli('listen', ...args, '--log-level', 'debug');
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('notification listener consuming')) resolve();
    });
    void child.then((result) => reject(new Error(`listener exited early: ${String(result.stderr)}`)));
  });
  return { child };
}

test('listen prints one JSON line per notification with every field; notify exits 0', async () => {
  // No wait needed: the sender declares cli-topic.info too, so it keeps what comes first.
  const listener = cli('listen', 'cli-topic', '--count', '2', '--timeout', '15');
  const sent = await cli('notify', 'cli-topic', 'info', 'thing.create', '{"name": "ünïcødé", "n": 1}', '--publisher-id', 'cli.host');
  assert.equal(sent.exitCode, 0, sent.stderr);
  const warned = await cli('notify', 'cli-topic', 'warning', 'thing.warn');
  assert.equal(warned.exitCode, 0, warned.stderr);
  const result = await listener;
  assert.equal(result.exitCode, 0, result.stderr);
  const lines = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.deepEqual(Object.keys(lines[0]!).sort(), [
    'context',
    'event_type',
    'message_id',
    'payload',
    'priority',
    'publisher_id',
    'timestamp',
  ]);
  assert.deepEqual(
    [lines[0]!.priority, lines[0]!.publisher_id, lines[0]!.event_type, lines[0]!.payload],
    ['info', 'cli.host', 'thing.create', { name: 'ünïcødé', n: 1 }],
  );
  assert.match(String(lines[0]!.message_id), /^[0-9a-f-]{36}$/);
  assert.match(String(lines[0]!.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  assert.deepEqual([lines[1]!.priority, lines[1]!.event_type, lines[1]!.payload], ['warn', 'thing.warn', {}]);
});

test('past --count a notification is requeued for the next listener; a pool gets its own copy', async () => {
  for (const payload of ['1', '2', '3']) assert.equal((await cli('notify', 'cli-count', 'error', 'e', payload)).exitCode, 0);
  // The three wait in the sender's default queue cli-count.error.
  const first = await cli('listen', 'cli-count', '--count', '2', '--timeout', '10');
  assert.equal(first.exitCode, 0, first.stderr);
  assert.deepEqual(
    first.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { payload: number }).payload),
    [1, 2],
  );
  const second = await cli('listen', 'cli-count', '--count', '1', '--timeout', '10');
  assert.deepEqual(
    second.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { payload: number }).payload),
    [3],
  );

  // A pool's queue exists only once its listener declared it: wait for that.
  const { child: pooled } = await startedListener('cli-count', '--pool', 'cli-pool', '--count', '1', '--timeout', '10');
  assert.equal((await cli('notify', 'cli-count', 'error', 'pooled', '"p"')).exitCode, 0);
  const pool = await pooled;
  assert.equal(pool.exitCode, 0, String(pool.stderr));
  assert.equal((JSON.parse(String(pool.stdout).split('\n')[0]!) as { payload: string }).payload, 'p');
  // The pool's copy is its own: the default queue still holds the other one.
  const rest = await cli('listen', 'cli-count', '--count', '1', '--timeout', '10');
  assert.equal((JSON.parse(rest.stdout) as { payload: string }).payload, 'p');
});

test('--timeout before --count exits 3 (without --count, 0); bad usage exits 2', async () => {
  const timedOut = await cli('listen', 'cli-quiet', '--count', '1', '--timeout', '0.3');
  assert.equal(timedOut.exitCode, 3);
  assert.match(timedOut.stderr, /0 of 1 notifications before the --timeout/);
  const bounded = await cli('listen', 'cli-quiet', '--timeout', '0.3');
  assert.equal(bounded.exitCode, 0, 'without --count the timeout just ends the listening');
  for (const args of [
    ['notify', 'cli-topic', 'loud', 'e'],
    ['notify', 'cli-topic', 'info'],
    ['notify', 'cli-topic', 'info', 'e', '{bad'],
    ['listen', 'cli-topic', '--count', '0'],
    ['listen', 'cli-topic', '--timeout', 'x'],
    ['listen', 'cli-topic', '--publisher-id', 'p'],
    ['notify', 'cli-topic', 'info', 'e', '--pool', 'x'],
  ]) {
    const result = await cli(...args);
    assert.equal(result.exitCode, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^oslo-node-rpc: [^\n]*\(see oslo-node-rpc (notify|listen) --help\)$/, 'one line pointing to the help');
  }
});

test('over RabbitMQ: --transport-url, and --notification-transport-url ahead of it', async (t) => {
  const url = await withBroker(t);
  if (!url) return;
  const topic = uniqueTopic('cli-amqp');
  const amqp = (...args: string[]) =>
    execa('node', [RPC, ...args], { reject: false, timeout: 20_000, env: { OSLO_NODE_EMBEDDED_SOCKET: '' } });
  const sent = await amqp('notify', topic, 'critical', 'over.rabbit', '{"ok": true}', '--transport-url', url);
  assert.equal(sent.exitCode, 0, String(sent.stderr));
  // The RPC URL points nowhere; the notification one wins.
  const heard = await amqp(
    'listen',
    topic,
    '--count',
    '1',
    '--timeout',
    '10',
    '--transport-url',
    'rabbit://guest:guest@127.0.0.1:1/',
    '--notification-transport-url',
    url,
  );
  assert.equal(heard.exitCode, 0, String(heard.stderr));
  assert.deepEqual(JSON.parse(String(heard.stdout)), {
    ...JSON.parse(String(heard.stdout)),
    priority: 'critical',
    event_type: 'over.rabbit',
    payload: { ok: true },
  });
  const unreachable = await amqp('notify', topic, 'info', 'x', '--transport-url', 'rabbit://guest:guest@127.0.0.1:1/');
  assert.equal(unreachable.exitCode, 3);
});
