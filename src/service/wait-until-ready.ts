/**
 * nova's `conductor_api.wait_until_ready`: ping a topic until one of its servers answers, for
 * services that depend on another one.
 */
import { MessagingTimeout } from '../rpc/errors.js';
import type { RpcClient } from '../rpc/client.js';

/**
 * Resolve once a server on the client's topic answers BaseRPCAPI `ping`; reject with
 * MessagingTimeout after `timeoutSeconds`. Each attempt waits at most `attemptSeconds`.
 */
export async function waitUntilReady(client: RpcClient, timeoutSeconds: number, attemptSeconds = 2): Promise<void> {
  const deadline = performance.now() + timeoutSeconds * 1000;
  const ping = client.prepare({ namespace: 'baseapi', version: '1.1' });
  for (let attempt = 1; ; attempt++) {
    const left = (deadline - performance.now()) / 1000;
    if (left <= 0) break;
    try {
      await ping.prepare({ timeoutSeconds: Math.min(attemptSeconds, left) }).call({}, 'ping', { arg: attempt });
      return;
    } catch (error) {
      if (!(error instanceof MessagingTimeout)) throw error;
    }
  }
  throw new MessagingTimeout(`no server answered on the topic within ${timeoutSeconds} s`);
}
