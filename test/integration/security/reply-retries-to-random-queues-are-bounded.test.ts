// Issue 14, item 7: a peer sending calls with fresh random _reply_q values made the server
// retry each reply every 250 ms for 60 s (240 mandatory publishes per call) with no cap.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hex32 } from '../../../src/rpc/ids.js';
import { connectEmbeddedSocket } from '../../../src/rpc/transports/embedded/socket-client.js';
import { httpGet } from '../../helpers/http.js';
import { startLauncher } from '../../helpers/launcher.js';
import { rawPeer } from '../../unit/rpc/support/raw-peer.js';

test('a launcher retries at most executor_thread_pool_size replies to missing queues; older ones are dropped with a log line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-replies-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'embedded.sock');
  const launcher = await startLauncher([
    '--workers',
    '1',
    '--executor-thread-pool-size',
    '2',
    '--embedded-socket',
    socket,
    '--no-access-log',
  ]);
  t.after(() => launcher.kill());
  const transport = await connectEmbeddedSocket(socket);
  t.after(() => transport.stop());
  const peer = await rawPeer(transport);

  const queues = Array.from({ length: 12 }, () => `reply_${hex32()}`);
  for (const queue of queues) await peer.call('demo', { method: 'echo', version: '1.3', args: { value: 1 }, _reply_q: queue });
  const isDrop = (line: { msg: string }) => line.msg === 'too many replies waiting for missing reply queues; the oldest was dropped';
  await launcher.waitForLine((line) => isDrop(line) && line.dropped_total === 10, 10_000, 'the tenth dropped reply');
  assert.deepEqual(
    launcher.lines.filter(isDrop).map((line) => line.replyQueue),
    queues.slice(0, 10),
  );
  assert.equal((await httpGet(launcher.port, '/v1/rpc/ping')).status, 200);
});
