/**
 * src/internals/ uses four private internals, each with a public fallback. These tests fail
 * loudly when a Node or amqplib upgrade moves one, so the fast path is not lost silently:
 * node's `res._header`, a socket handle's readStop(), amqplib's frame muxer and its heartbeat
 * receive check.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { connect, createServer, Socket, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { coalesceFrameWrites } from '../../../src/internals/amqplib-muxer.js';
import { watchHeartbeats } from '../../../src/internals/heartbeat-watch.js';
import { HEAD_IS_APPENDABLE, echoRequestId } from '../../../src/internals/response-head.js';
import { stopReading } from '../../../src/internals/socket-read-stop.js';
import { assignRequestId } from '../../../src/http/request-id.js';
import { quietFor, until } from '../../helpers/wait.js';

/** The head a response sends, through the fast path or the public fallback. */
function headOf(appendToHead: boolean): string {
  const req = new IncomingMessage(new Socket());
  req.rawHeaders = ['X-Request-Id', 'req-internals-1'];
  assignRequestId(req);
  const res = new ServerResponse(req);
  echoRequestId(res, appendToHead);
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  return (res as unknown as { _header: string })._header;
}

test("node builds the response head in res._header, and the fast path's head equals the fallback's", () => {
  assert.equal(
    HEAD_IS_APPENDABLE,
    true,
    `node ${process.version} no longer builds the head in res._header: request ids take the slower public path (src/internals/response-head.ts)`,
  );
  const fast = headOf(true);
  const fallback = headOf(false);
  assert.match(fast, /\r\nX-Request-Id: req-internals-1\r\n\r\n$/);
  const lines = (head: string): string[] =>
    head
      .split('\r\n')
      .filter((line) => !line.startsWith('Date:'))
      .sort();
  assert.deepEqual(lines(fast), lines(fallback));
});

test("a socket's handle still has readStop(): nothing more is read from the kernel", async (t) => {
  const server = createServer();
  t.after(() => server.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  t.after(() => client.destroy());
  const [accepted] = (await once(server, 'connection')) as [Socket];
  t.after(() => accepted.destroy());
  assert.equal(
    stopReading(accepted),
    true,
    `node ${process.version} moved socket._handle.readStop(): reloads close idle connections instead of moving them (src/internals/socket-read-stop.ts)`,
  );
  let received = '';
  accepted.on('data', (chunk: Buffer) => (received += chunk.toString()));
  // The bytes reach this host's kernel buffer at once (loopback); an absence needs a window.
  await new Promise<void>((resolve) => client.write('kept in the kernel', () => resolve()));
  await quietFor('a read after readStop()', 100, () => received !== '');
  assert.equal(received, '', 'nothing was read after readStop()');
  // The fallback: a socket without a handle is refused, and its caller closes it instead.
  assert.equal(stopReading(new Socket()), false);
});

test("amqplib's connection still writes through a muxer whose flush can be corked", () => {
  const require = createRequire(import.meta.url);
  // Not an exported subpath: loaded by its file, next to the package's main module.
  const { Connection } = require(join(dirname(require.resolve('amqplib')), 'lib/connection.js')) as {
    Connection: new (stream: Socket) => unknown;
  };
  const connection = new Connection(new Socket());
  assert.equal(
    coalesceFrameWrites({ connection } as never),
    true,
    'amqplib moved connection.muxer (out, _readIncoming): AMQP frames go out one write each (src/internals/amqplib-muxer.ts)',
  );
  // A flush of one frame is written at once, uncorked: that needs the channels' frame queues.
  const muxer = (connection as { muxer: { newStreams: unknown; oldStreams: unknown } }).muxer;
  assert.ok(
    Array.isArray(muxer.newStreams) && Array.isArray(muxer.oldStreams),
    'amqplib moved muxer.newStreams/oldStreams: every flush is corked, one frame too (src/internals/amqplib-muxer.ts)',
  );
  // The fallback: another shape is left alone.
  assert.equal(coalesceFrameWrites({ connection: {} } as never), false);
});

test("amqplib's connection still checks heartbeats through a Heart whose receive timer can be replaced", async (t) => {
  const require = createRequire(import.meta.url);
  const { Connection } = require(join(dirname(require.resolve('amqplib')), 'lib/connection.js')) as {
    Connection: new (
      stream: Socket,
    ) => { heartbeat: number; heartbeater: EventEmitterLike | null; startHeartbeater(): EventEmitterLike | null };
  };
  const connection = new Connection(new Socket());
  // What amqplib does once the broker tuned the heartbeat (lib/connection.js): 50 ms periods.
  connection.heartbeat = 0.05;
  connection.heartbeater = connection.startHeartbeater();
  const heart = connection.heartbeater!;
  t.after(() => heart.clear());
  // The connection's own listeners write to the socket and close it; this test only listens.
  heart.removeAllListeners('beat');
  heart.removeAllListeners('timeout');
  const amqplibTimer = heart.recvTimer;
  assert.equal(
    watchHeartbeats({ connection } as never, 2),
    true,
    'amqplib moved connection.heartbeater (recvTimer, timeout) or checkRecv(): heartbeat_rate is ignored (src/internals/heartbeat-watch.ts)',
  );
  assert.notEqual(heart.recvTimer, amqplibTimer, "the watch's timer is kept where the Heart's clear() stops it");
  let timedOut = false;
  heart.on('timeout', () => (timedOut = true));
  await until("the Heart's timeout after two silent periods", () => timedOut, { timeoutMs: 5000 });
  // The fallback: another shape is left alone.
  assert.equal(watchHeartbeats({ connection: {} } as never, 2), false);
});

interface EventEmitterLike {
  recvTimer?: unknown;
  clear(): void;
  on(event: string, listener: () => void): unknown;
  removeAllListeners(event: string): unknown;
}
