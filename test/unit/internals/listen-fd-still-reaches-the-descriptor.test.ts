/**
 * src/internals/listen-fd.ts reads a private internal (`server._handle.fd`): a handover passes
 * the listening sockets by descriptor. This fails loudly when a Node upgrade moves it (the
 * handover would then be refused, and the launcher keep serving).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { fstatSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { listeningFd } from '../../../src/internals/listen-fd.js';

test("a listening server's descriptor is reachable, and is a socket", async (t) => {
  const server = createServer();
  assert.equal(listeningFd(server), undefined, 'none before listen()');
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const fd = listeningFd(server);
  assert.ok(
    fd !== undefined && fd > 2,
    `node ${process.version} moved server._handle.fd: a handover cannot pass the socket (src/internals/listen-fd.ts)`,
  );
  assert.ok(fstatSync(fd).isSocket());
});
