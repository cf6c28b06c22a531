/**
 * A worker's HTTP drain. On a reload the launcher keeps accepting: idle keep-alive connections
 * go back to it for the next worker once quiet. On a shutdown nothing would serve them: they
 * close at once.
 */
import type { Socket } from 'node:net';
import type { HttpService } from '../http/http-service.js';
import type { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerPayload } from '../ipc/messages.js';
import type { Logger } from '../logging/logger.js';

/**
 * How long a reloading worker waits for each idle keep-alive connection to stay quiet before it
 * gives the connection back to the launcher (see connection-tracker.ts).
 */
const RELOAD_IDLE_GRACE_MS = 500;

/** How long a connection given back may wait for the primary's answer. */
const HAND_BACK_ANSWER_MS = 5000;

export interface HttpDrainOptions {
  http: HttpService;
  channel: IpcChannel<PrimaryPayload, WorkerPayload>;
  logger: Logger;
  reload: boolean;
  boundMs: number;
}

/** Stop `http` within `boundMs`; resolves with the number of connections that had to be cut. */
export async function stopHttp(options: HttpDrainOptions): Promise<number> {
  const { http, channel, logger, reload } = options;
  // Each handle must reach the primary before this process exits (and closes the channel),
  // or the connection would close with it: wait for the primary's answers.
  const handedBack: Array<Promise<unknown>> = [];
  const handBack = reload
    ? (socket: Socket): boolean => {
        handedBack.push(
          channel
            .request({ type: 'connection-back' }, HAND_BACK_ANSWER_MS, socket)
            .catch((error: unknown) => logger.warn({ err: error }, 'a connection given back to the launcher may be lost')),
        );
        return true;
      }
    : undefined;
  await http.stop({ timeoutMs: options.boundMs, idleGraceMs: reload ? RELOAD_IDLE_GRACE_MS : 0, handBack });
  await Promise.all(handedBack);
  return http.stats.cut;
}
