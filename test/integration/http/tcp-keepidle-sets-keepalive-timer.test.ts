/** tcp_keepidle: accepted sockets get SO_KEEPALIVE with that idle time, as `ss -o` shows (issue 3). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { until } from '../../helpers/wait.js';
import { RawClient, get, hello, serve } from './serve.js';

/** The keepalive timer `ss -o` shows on the server side; polled because an unacknowledged send shows the retransmit timer instead. */
async function keepaliveTimer(port: number): Promise<string> {
  let out = '';
  const timer = (): string | undefined => {
    out = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8', timeout: 5000 });
    return /timer:\(keepalive,([^,]+),/.exec(out)?.[1];
  };
  // On a timeout, what ss showed, for the assertion's message.
  return until('a keepalive timer', timer, { timeoutMs: 2000, intervalMs: 50 }).catch(() => `no keepalive timer in: ${out.trim()}`);
}

test('the server side of a connection runs a keepalive timer of tcp_keepidle seconds', async (t) => {
  const { port } = await serve(t, hello, { tcp_keepidle: 123 });
  const client = await RawClient.open(t, port);
  client.socket.write(get());
  await client.waitFor((c) => c.data.endsWith('hello'), 5000, 'response');
  // 123 s is shown as "2min3sec" or, a moment later, "2min2sec".
  assert.match(await keepaliveTimer(port), /^2min([0-3](\.\d+)?sec)?$/);
});
