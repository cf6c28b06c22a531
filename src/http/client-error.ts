/**
 * Node's 'clientError' (a malformed request, a header block over the limit, a reset): answer
 * with a complete error response when nothing of another response is on the wire yet, then
 * close only that connection.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../logging/logger.js';
import { clientErrorStatus, rawResponse } from './limits.js';

/** Time the peer gets to read the error response before the socket is destroyed. */
const LINGER_MS = 1000;

const answered = new WeakSet<Socket>();

/** Handle one 'clientError' event for `socket`, on which `responses` are in flight. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket, responses: ServerResponse[], logger: Logger): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const status = clientErrorStatus(error.code);
  if (error.code === 'ECONNRESET' || !socket.writable || responses.some((res) => res.headersSent)) {
    logger.debug({ err: error, remote: socket.remoteAddress }, 'client connection error');
    socket.destroy();
    return;
  }
  const what = status === 408 ? 'a request slower than header_timeout/request_timeout' : 'a malformed request';
  logger.info({ status, code: error.code, remote: socket.remoteAddress }, `refused ${what} with ${status}`);
  // Ending (not destroying) lets the response reach the peer before the close; destroying at
  // once with unread request bytes would send a RST that can discard it.
  socket.end(rawResponse(status));
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}
