/**
 * IpcChannel over a real IPC channel to a child process (test/fixtures/ipc/peer.ts): answers
 * find their requests by seq/ack, a remote failure keeps its code, timeouts and a gone peer reject
 * pending requests with coded errors, and messages that are not ours are ignored.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OsloNodeError } from '../../../src/errors.js';
import { IpcChannel, IpcRemoteError, WorkerExitedError, type IpcEndpoint } from '../../../src/ipc/channel.js';

type Message =
  | { type: 'echo'; value?: unknown; delayMs?: number }
  | { type: 'note'; value?: unknown }
  | { type: 'up' | 'fail-coded' | 'fail-plain' | 'never' | 'noise' | 'exit' };
const PEER = fileURLToPath(new URL('../../fixtures/ipc/peer.js', import.meta.url));

async function startPeer(t: TestContext): Promise<{ child: ChildProcess; channel: IpcChannel<Message, Message>; notes: unknown[] }> {
  const child = fork(PEER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  t.after(() => child.kill('SIGKILL'));
  const channel = new IpcChannel<Message, Message>(child as unknown as IpcEndpoint);
  const notes: unknown[] = [];
  const up = new Promise<void>((resolve) => channel.handle('up', () => resolve()));
  channel.handle('note', (message) => void notes.push(message.value));
  await up;
  return { child, channel, notes };
}

test('concurrent requests get their own answers even when answered out of order', async (t) => {
  const { channel } = await startPeer(t);
  const answers = await Promise.all([
    channel.request({ type: 'echo', value: 'slow', delayMs: 80 }),
    channel.request({ type: 'echo', value: 'fast', delayMs: 0 }),
    channel.request({ type: 'echo', value: { nested: [1, 2] }, delayMs: 30 }),
  ]);
  assert.deepEqual(answers, ['slow', 'fast', { nested: [1, 2] }]);
});

test("a remote failure keeps the remote error's code, else ERR_IPC_REMOTE", async (t) => {
  const { channel } = await startPeer(t);
  await assert.rejects(channel.request({ type: 'fail-coded' }), (error: unknown) => {
    assert.ok(error instanceof IpcRemoteError && error instanceof OsloNodeError);
    assert.equal(error.code, 'ERR_CLOSED');
    assert.match(error.message, /the peer service is closed/);
    return true;
  });
  await assert.rejects(channel.request({ type: 'fail-plain' }), {
    name: 'IpcRemoteError',
    code: 'ERR_IPC_REMOTE',
    message: 'plain failure',
  });
});

test('an unanswered request times out with ERR_IPC_TIMEOUT; the channel keeps working', async (t) => {
  const { channel } = await startPeer(t);
  await assert.rejects(channel.request({ type: 'never' }, 100), { code: 'ERR_IPC_TIMEOUT', message: /never not answered in 100 ms/ });
  assert.equal(await channel.request({ type: 'echo', value: 'still here' }), 'still here');
});

test('close() rejects every pending request with WorkerExitedError, and later requests at once', async (t) => {
  const { child, channel } = await startPeer(t);
  const pending = channel.request({ type: 'never' }, 0);
  const exited = once(child, 'exit');
  void channel.request({ type: 'exit' }, 0).catch(() => undefined);
  await exited;
  channel.close('worker exited');
  await assert.rejects(
    pending,
    (error: unknown) => error instanceof WorkerExitedError && error.code === 'ERR_IPC_WORKER_EXITED' && /worker exited/.test(error.message),
  );
  await assert.rejects(channel.request({ type: 'echo' }), { code: 'ERR_IPC_WORKER_EXITED' });
  assert.equal(channel.send({ type: 'echo' }), false);
  assert.equal(channel.closed, true);
});

test('untagged messages and unknown types are ignored; fire-and-forget messages arrive', async (t) => {
  const { channel, notes } = await startPeer(t);
  await channel.request({ type: 'noise' });
  // The note was sent before the answer on the same ordered channel.
  assert.deepEqual(notes, ['after the noise']);
  assert.equal(await channel.request({ type: 'echo', value: 42 }), 42);
});
