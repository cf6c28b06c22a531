/**
 * The demo service's HTTP app (what runs without --app). Routes are listed in README.md.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Config } from '../config/options.js';
import type { IpcChannel } from '../ipc/channel.js';
import type { PrimaryPayload, WorkerPayload } from '../ipc/messages.js';
import type { Logger } from '../logging/logger.js';

export interface DemoAppContext {
  config: Config;
  logger: Logger;
  slot: number;
  channel: IpcChannel<PrimaryPayload, WorkerPayload>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Build the demo request listener. */
export function createDemoApp(context: DemoAppContext): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      sendJson(res, 200, { status: 'ok', pid: process.pid, worker: context.slot });
      return;
    }
    sendJson(res, 404, { error: 'not found', path });
  };
}
