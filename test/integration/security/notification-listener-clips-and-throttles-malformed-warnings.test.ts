/**
 * Issue 27, finding 9: the notification listener logged malformed values whole (three messages
 * with a 4 MiB value made 12.5 MB of stderr). The reproduction, with real processes: a launcher
 * (embedded transport), `rpc.js listen` on a topic, and a client of the embedded socket that
 * publishes malformed notifications to the listener's queue: 4 MiB priorities, a 4 MiB envelope
 * version, 4 MiB of broken JSON, then 300 small bad ones. The listener's stderr stays small,
 * every logged value is cut to 64 characters, the warning is logged once per 10 s, and a good
 * notification sent afterwards is still printed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { test } from 'node:test';
import { execa } from 'execa';
import { until } from '../../helpers/wait.js';
import { RPC_CLI, startLauncher } from '../../helpers/launcher.js';

const TOPIC = 'audit27';
const HUGE = 4 * 1024 * 1024;
const envelope = (message: unknown): string => JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) });

test('malformed notifications are logged clipped and throttled; the listener keeps serving', { timeout: 120_000 }, async (t) => {
  const launcher = await startLauncher(['--workers', '1']);
  t.after(() => launcher.kill());
  const socketPath = String((await launcher.waitForLine((line) => line.msg === 'embedded transport socket listening')).socketPath);

  const listen = execa(process.execPath, [RPC_CLI, 'listen', TOPIC, '--embedded-socket', socketPath, '--count', '1', '--timeout', '90'], {
    reject: false,
    buffer: true,
  });
  t.after(() => listen.kill('SIGKILL'));
  let stderrBytes = 0;
  listen.stderr!.on('data', (chunk: Buffer) => (stderrBytes += chunk.length));

  const client = connect(socketPath);
  t.after(() => client.destroy());
  await once(client, 'connect');
  const answers = new Map<number, { error?: { code: string } }>();
  let pending = '';
  client.setEncoding('utf8');
  client.on('data', (text: string) => {
    pending += text;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
      const frame = JSON.parse(pending.slice(0, nl)) as { t: string; id: number; error?: { code: string } };
      if (frame.t === 'done') answers.set(frame.id, frame);
      pending = pending.slice(nl + 1);
    }
  });
  let id = 0;
  /** Publish `body` straight to the listener's queue (the default exchange); resolves with the answer. */
  const publish = async (body: string, mandatory = true): Promise<{ error?: { code: string } }> => {
    const mine = ++id;
    client.write(`${JSON.stringify({ t: 'publish', id: mine, exchange: '', key: `${TOPIC}.info`, body, mandatory })}\n`);
    await until(`the answer to publish ${mine}`, () => answers.has(mine), { timeoutMs: 20_000, intervalMs: 5 });
    return answers.get(mine)!;
  };

  // Until the listener's queue exists, a mandatory publish is unroutable.
  const first = envelope({ priority: 'x'.repeat(HUGE), event_type: 'huge.priority' });
  await until('the listener to consume', async () => (await publish(first)).error === undefined, { timeoutMs: 30_000, intervalMs: 100 });
  await publish(envelope({ priority: { nested: 'y'.repeat(HUGE) } }));
  await publish(JSON.stringify({ 'oslo.version': 'v'.repeat(HUGE), 'oslo.message': '{}' }));
  await publish(`{"oslo.version": "2.0", "oslo.message": "${'z'.repeat(HUGE)}`);
  await publish(JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': `{"priority": ${'['.repeat(HUGE / 8)}` }));
  for (let i = 0; i < 300; i++) await publish(envelope({ priority: `LOUD-${i}` }), false);

  const good = await execa(
    process.execPath,
    [RPC_CLI, 'notify', TOPIC, 'info', 'after.flood', '{"still":"serving"}', '--embedded-socket', socketPath],
    { reject: false },
  );
  assert.equal(good.exitCode, 0, good.stderr);
  const result = await listen;
  assert.equal(result.exitCode, 0, result.stderr.slice(0, 2000));
  assert.match(result.stdout, /"event_type":"after.flood"/);

  assert.ok(stderrBytes < 16 * 1024, `stderr stays small: ${stderrBytes} bytes for 305 malformed notifications`);
  const warnings = result.stderr.split('\n').filter((line) => line.includes('malformed notification dropped'));
  assert.ok(warnings.length >= 1 && warnings.length <= 2, `the warning is throttled: ${warnings.length} lines`);
  for (const line of warnings) {
    const reason = String((JSON.parse(line) as { reason: string }).reason);
    assert.ok(reason.length <= 300, `a clipped reason: ${reason.length} characters`);
    assert.match(reason, /^unknown priority "x{63}… \(4194306 characters\)$/, 'the JSON value cut to 64 characters');
  }
});
