/**
 * client_socket_timeout: an idle socket, an idle keep-alive socket and a slowloris client that
 * trickles header bytes are closed by the server; a request the app is still working on is not
 * cut (issue 3).
 */
import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import { RawClient, get, hello, serve } from './serve.js';

const TIMEOUT_S = 1;

test('a connection that never sends a request is closed after client_socket_timeout', async (t) => {
  const { port } = await serve(t, hello, { client_socket_timeout: TIMEOUT_S });
  const client = await RawClient.open(t, port);
  const opened = performance.now();
  await client.waitFor((c) => c.closed, 5000, 'server close');
  const elapsed = (await client.closedAt) - opened;
  assert.ok(elapsed >= 900, `closed too early: ${elapsed} ms`);
  assert.equal(client.data, '');
});

test('an idle keep-alive connection is closed after client_socket_timeout', async (t) => {
  const { port } = await serve(t, hello, { client_socket_timeout: TIMEOUT_S });
  const client = await RawClient.open(t, port);
  client.socket.write(get());
  await client.waitFor((c) => c.data.endsWith('hello'), 5000, 'response');
  const answered = performance.now();
  await client.waitFor((c) => c.closed, 5000, 'server close');
  assert.ok((await client.closedAt) - answered >= 900);
});

test('a slowloris client trickling header bytes is closed within the timeout plus one sweep', async (t) => {
  const { port, service } = await serve(t, hello, { client_socket_timeout: TIMEOUT_S });
  const client = await RawClient.open(t, port);
  const opened = performance.now();
  client.socket.write('GET / HTTP/1.1\r\n');
  // One header byte every 200 ms keeps the socket's inactivity timer fresh for ever.
  const trickle = setInterval(() => client.socket.write('X'), 200);
  t.after(() => clearInterval(trickle));
  await client.waitFor((c) => c.closed, 4000, 'server close');
  clearInterval(trickle);
  const elapsed = (await client.closedAt) - opened;
  assert.ok(elapsed >= 900 && elapsed < 3500, `closed after ${elapsed} ms`);
  assert.equal(service.stats.requests, 0);
});

test('a request whose app takes longer than the timeout still gets its response', async (t) => {
  const slow: RequestListener = (_req, res) => {
    setTimeout(() => res.end('late'), 1800);
  };
  const { port } = await serve(t, slow, { client_socket_timeout: TIMEOUT_S });
  const client = await RawClient.open(t, port);
  client.socket.write(get());
  await client.waitFor((c) => c.data.endsWith('late') || c.closed, 5000, 'response');
  assert.match(client.data, /^HTTP\/1\.1 200 /);
  assert.ok(client.data.endsWith('late'));
});

test('client_socket_timeout 0 keeps an idle connection open', async (t) => {
  const { port, service } = await serve(t, hello, { client_socket_timeout: 0 });
  const client = await RawClient.open(t, port);
  client.socket.write(get());
  await client.waitFor((c) => c.data.endsWith('hello'), 5000, 'response');
  // The stop below closes it at once, which proves it was still open and idle.
  await assert.rejects(
    client.waitFor((c) => c.closed, 1500, 'close'),
    /timed out/,
  );
  await service.stop({ timeoutMs: 1000 });
  await client.waitFor((c) => c.closed, 2000, 'close by stop');
});
