/**
 * Issue 27, finding 7: a client of our own uid could exhaust the launcher through its two local
 * sockets. The reproductions, against a real launcher:
 * - control socket: `scale 9007199254740991` (state stuck at `scaling`, "Invalid array length")
 *   and `scale 513` are refused as bad requests; a frame over 4 KiB and a trickled frame close
 *   their connection; at most 16 connections, and an idle one is closed after 10 s;
 * - embedded socket: at most 64 clients; an unfinished frame closes its connection after 5 s;
 *   at most 10,000 exchanges and 100,000 bindings, and what a client's own queues were bound
 *   to is freed when it leaves (the next client gets the whole allowance again, and an exchange
 *   left without bindings is gone: it can come back as another kind).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { until } from '../../helpers/wait.js';
import { CTL, startLauncher } from '../../helpers/launcher.js';

interface Client {
  readonly socket: Socket;
  /** Parsed frames received so far. */
  readonly frames: Array<Record<string, unknown>>;
  readonly closed: () => boolean;
  write(text: string): void;
  /** Resolve with the frame whose `id` is `id`. */
  answer(id: number, timeoutMs?: number): Promise<Record<string, unknown>>;
}

async function open(t: TestContext, path: string): Promise<Client> {
  const socket = connect(path);
  t.after(() => socket.destroy());
  socket.on('error', () => undefined);
  let closed = false;
  socket.on('close', () => (closed = true));
  await Promise.race([once(socket, 'connect'), once(socket, 'close')]);
  const frames: Array<Record<string, unknown>> = [];
  const byId = new Map<unknown, Record<string, unknown>>();
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    pending += text;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
      const parsed = JSON.parse(pending.slice(0, nl)) as Record<string, unknown>;
      frames.push(parsed);
      if (parsed.id !== undefined) byId.set(parsed.id, parsed);
      pending = pending.slice(nl + 1);
    }
  });
  return {
    socket,
    frames,
    closed: () => closed,
    write: (text) => void socket.write(text),
    async answer(id, timeoutMs = 20_000) {
      await until(`an answer to ${id}`, () => byId.has(id) || closed, { timeoutMs, intervalMs: 5 });
      const frame = byId.get(id);
      assert.ok(frame, `the connection closed before answering ${id}`);
      return frame;
    },
  };
}

const frame = (value: object): string => `${JSON.stringify(value)}\n`;

test('the control and embedded sockets bound what a same-uid client can make the launcher hold', { timeout: 240_000 }, async (t) => {
  const runtime = mkdtempSync(join(tmpdir(), 'oslo-node-bounds-'));
  t.after(() => rmSync(runtime, { recursive: true, force: true }));
  const embedded = join(runtime, 'embedded.sock');
  const env = { XDG_RUNTIME_DIR: runtime, OSLO_NODE_EMBEDDED_SOCKET: embedded };
  const launcher = await startLauncher(['--workers', '1'], { env });
  t.after(() => launcher.kill());
  const control = String((await launcher.waitForLine((line) => line.msg === 'control socket listening (node dist/ctl.js)')).socket);
  const status = async (): Promise<Record<string, unknown>> => {
    const result = await execa(process.execPath, [CTL, 'status', '--json'], { reject: false, env, timeout: 30_000 });
    assert.equal(result.exitCode, 0, result.stderr);
    return (JSON.parse(result.stdout) as { launcher: Record<string, unknown> }).launcher;
  };

  await t.test('control: scale beyond 1..512 is a bad request and changes nothing', async (t) => {
    const client = await open(t, control);
    for (const [id, workers] of [
      [1, 9007199254740991],
      [2, 513],
      [3, 0],
    ] as const) {
      client.write(frame({ id, command: 'scale', workers }));
      const answer = await client.answer(id);
      assert.equal(answer.ok, false);
      assert.equal(answer.code, 'bad-request');
      assert.match(String(answer.error), /from 1 to 512/);
    }
    const launcherStatus = await status();
    assert.equal(launcherStatus.state, 'running');
    assert.equal(launcherStatus.workers, 1);
  });

  await t.test('control: a frame over 4 KiB, and a trickled one, close their connection', async (t) => {
    const big = await open(t, control);
    big.write(`{"id":1,"command":"status","pad":"${'x'.repeat(5000)}"}\n`);
    await until('the 5 KiB frame to close its connection', big.closed, { timeoutMs: 5000 });
    assert.equal(big.frames.length, 0, 'not answered');

    const slow = await open(t, control);
    const start = performance.now();
    slow.write('{"id":1,');
    await until('the trickled frame to close its connection', slow.closed, { timeoutMs: 15_000 });
    const took = performance.now() - start;
    assert.ok(took >= 4000 && took < 12_000, `closed after ${Math.round(took)} ms (5 s bound)`);
  });

  await t.test('control: at most 16 connections, idle ones closed after 10 s', async (t) => {
    const held: Client[] = [];
    for (let i = 0; i < 16; i++) held.push(await open(t, control));
    const extra = await open(t, control);
    await until('the 17th connection to be closed', extra.closed, { timeoutMs: 5000 });
    assert.equal(
      held.some((client) => client.closed()),
      false,
      'the first 16 stay',
    );
    const start = performance.now();
    await until('the idle connections to be closed', () => held.every((client) => client.closed()), { timeoutMs: 20_000 });
    assert.ok(performance.now() - start < 15_000);
    assert.equal((await status()).state, 'running', 'ctl works again');
  });

  await t.test('embedded: at most 64 clients', async (t) => {
    const held: Client[] = [];
    for (let i = 0; i < 64; i++) held.push(await open(t, embedded));
    const extra = await open(t, embedded);
    await until('the 65th client to be closed', extra.closed, { timeoutMs: 5000 });
    assert.equal(
      held.some((client) => client.closed()),
      false,
    );
    for (const client of held) client.socket.destroy();
  });

  await t.test('embedded: an unfinished frame closes its connection after 5 s', async (t) => {
    const client = await open(t, embedded);
    const start = performance.now();
    client.write(`{"t":"hello","id":1,"pad":"${'x'.repeat(1 << 20)}`);
    await until('the unfinished frame to close its connection', client.closed, { timeoutMs: 15_000 });
    const took = performance.now() - start;
    assert.ok(took >= 4000 && took < 12_000, `closed after ${Math.round(took)} ms (5 s bound)`);
    assert.ok(launcher.lines.some((line) => /bad frame/.test(line.msg) && /unfinished after 5000 ms/.test(String(line.reason))));
  });

  /**
   * Declare an owned queue and bind it `count` times (ids from `firstId`); resolves with how
   * many binds were accepted and the first refusal, if any.
   */
  const bindMany = async (
    client: Client,
    queue: string,
    count: number,
    bind: (i: number) => object,
  ): Promise<{ accepted: number; refusal?: string }> => {
    client.write(frame({ t: 'declare', id: 1, queue, owned: true }));
    assert.equal((await client.answer(1)).error, undefined);
    const batch: string[] = [];
    for (let i = 0; i < count; i++) batch.push(frame({ t: 'bind', id: 10 + i, queue, ...bind(i) }));
    // One write per 5,000 frames: the router reads them as they come.
    for (let i = 0; i < batch.length; i += 5000) client.write(batch.slice(i, i + 5000).join(''));
    await client.answer(10 + count - 1, 120_000);
    const done = client.frames.filter(
      (candidate) => candidate.t === 'done' && Number(candidate.id) >= 10 && Number(candidate.id) < 1_000_000,
    );
    const refused = done.find((candidate) => candidate.error !== undefined);
    return {
      accepted: done.filter((candidate) => candidate.error === undefined).length,
      ...(refused && { refusal: String((refused.error as { message: string }).message) }),
    };
  };
  /** Bind `queue` (declared, owned) as `bind` says until the router accepts it (a left client is detached). */
  const bindOnceAccepted = async (client: Client, queue: string, bind: object): Promise<void> => {
    client.write(frame({ t: 'declare', id: 1_000_000, queue, owned: true }));
    await client.answer(1_000_000);
    for (let id = 1_000_001; ; id++) {
      assert.ok(id < 1_000_500, 'the left client was never detached');
      client.write(frame({ t: 'bind', id, queue, ...bind }));
      if ((await client.answer(id)).error === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  await t.test('embedded: a capped number of exchanges, freed when their client leaves', async (t) => {
    const first = await open(t, embedded);
    const { accepted, refusal } = await bindMany(first, 'probe-exchanges-1', 10_001, (i) => ({
      exchange: `x-${i}`,
      kind: 'topic',
      key: 'k',
    }));
    assert.match(refusal ?? 'none', /maximum of 10000 exchanges/);
    // The service's own exchanges count too.
    assert.ok(accepted > 9_900 && accepted < 10_000, `${accepted} accepted`);
    first.socket.destroy();
    // x-0 again, as a fanout exchange: only possible once the topic one was dropped.
    const second = await open(t, embedded);
    await bindOnceAccepted(second, 'probe-exchanges-2', { exchange: 'x-0', kind: 'fanout', key: '' });
    const again = await bindMany(second, 'probe-exchanges-3', accepted, (i) => ({ exchange: `y-${i}`, kind: 'fanout', key: '' }));
    assert.match(again.refusal ?? 'none', /maximum of 10000 exchanges/, 'x-0 takes one: the last one is refused');
    assert.equal(again.accepted, accepted - 1, 'the whole allowance again');
    second.socket.destroy();
  });

  await t.test('embedded: 100,000 bindings at most, freed when their client leaves', async (t) => {
    const first = await open(t, embedded);
    const { accepted, refusal } = await bindMany(first, 'probe-bindings-1', 100_001, (i) => ({
      exchange: 'probe',
      kind: 'topic',
      key: `k-${i}`,
    }));
    assert.match(refusal ?? 'none', /maximum of 100000 bindings/);
    assert.ok(accepted > 99_900 && accepted < 100_000, `${accepted} accepted`);
    first.socket.destroy();
    const second = await open(t, embedded);
    await bindOnceAccepted(second, 'probe-bindings-2', { exchange: 'probe', kind: 'fanout', key: '' });
    const again = await bindMany(second, 'probe-bindings-3', accepted - 1, (i) => ({ exchange: 'probe-2', kind: 'topic', key: `k-${i}` }));
    assert.deepEqual(again, { accepted: accepted - 1 }, 'the whole allowance again');
    second.socket.destroy();
  });

  assert.equal((await status()).state, 'running', 'the launcher kept serving');
});
