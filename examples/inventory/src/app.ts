/**
 * The inventory service's HTTP app: a factory the launcher calls once per worker with the
 * worker's context; it returns a plain request listener (an Express app would do as well).
 *   GET  /items            the items, through an RPC call to the service (any worker answers)
 *   POST /items            {"name", "count"} added through an RPC call
 *   GET  /checksum?text=T  sha256 rounds in this worker's pool
 *   GET  /version          the running code's version
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AppContext } from 'oslo-node';
import type { ChecksumResult } from './tasks/checksum.js';

const CHECKSUM_TASK = new URL('./tasks/checksum.js', import.meta.url);
const MAX_BODY = 64 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > MAX_BODY) throw new RangeError('body too large');
  }
  return JSON.parse(text || '{}') as Record<string, unknown>;
}

export default function inventoryApp({ rpc, service }: AppContext): RequestListener {
  if (!rpc || !service) throw new Error('the inventory app runs under the oslo-node launcher');
  const ctx = { user: 'http' };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    const answer = async (): Promise<unknown> => {
      switch (route) {
        case 'GET /items':
          return rpc.call(ctx, 'list_items', {});
        case 'POST /items':
          return rpc.call(ctx, 'add_item', await readJson(req));
        case 'GET /checksum':
          return service.pool.run<ChecksumResult>(CHECKSUM_TASK, { text: url.searchParams.get('text') ?? '', rounds: 1000 });
        case 'GET /version':
          return { version: process.env.npm_package_version ?? '0.1.0', pid: process.pid };
        default:
          return undefined;
      }
    };
    answer().then(
      (body) => (body === undefined ? send(res, 404, { error: 'not found' }) : send(res, 200, body)),
      (error: Error) => send(res, error instanceof TypeError || error instanceof SyntaxError ? 400 : 502, { error: error.message }),
    );
  };
}
