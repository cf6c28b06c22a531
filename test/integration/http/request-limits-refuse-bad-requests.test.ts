/**
 * max_url_len (414), max_header_line (431), malformed requests (400): each refused request gets
 * its answer and only its connection closes (issue 3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, get, hello, serve } from './serve.js';

const limits = { max_url_len: 100, max_header_line: 512 };

test('a URL longer than max_url_len gets 414 and the connection closes; one at the limit is served', async (t) => {
  const { port } = await serve(t, hello, limits);
  const atLimit = await RawClient.open(t, port);
  atLimit.socket.write(get(`/${'a'.repeat(99)}`));
  await atLimit.waitFor((c) => c.data.endsWith('hello'), 5000, '200 at the limit');
  assert.match(atLimit.data, /^HTTP\/1\.1 200 /);

  const over = await RawClient.open(t, port);
  over.socket.write(get(`/${'a'.repeat(100)}`));
  await over.waitFor((c) => c.closed, 5000, 'close after 414');
  assert.match(over.data, /^HTTP\/1\.1 414 /);
  assert.match(over.data, /Connection: close/i);
});

test('a header line longer than max_header_line gets 431; many shorter lines are fine', async (t) => {
  const { port } = await serve(t, hello, limits);
  const fine = await RawClient.open(t, port);
  const shortLines = Array.from({ length: 20 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(400)}\r\n`).join('');
  fine.socket.write(get('/', shortLines));
  await fine.waitFor((c) => c.data.endsWith('hello'), 5000, '200 with short lines');
  assert.match(fine.data, /^HTTP\/1\.1 200 /);

  const long = await RawClient.open(t, port);
  // "X-Long: " is 8 bytes: 8 + 505 = 513 > 512.
  long.socket.write(get('/', `X-Long: ${'v'.repeat(505)}\r\n`));
  await long.waitFor((c) => c.closed, 5000, 'close after 431');
  assert.match(long.data, /^HTTP\/1\.1 431 /);

  const exact = await RawClient.open(t, port);
  exact.socket.write(get('/', `X-Long: ${'v'.repeat(504)}\r\n`));
  await exact.waitFor((c) => c.data.endsWith('hello'), 5000, '200 at exactly the limit');
  assert.match(exact.data, /^HTTP\/1\.1 200 /);
});

test('a header block beyond the parser total gets 431 from the parser', async (t) => {
  const { port, service } = await serve(t, hello, limits);
  const client = await RawClient.open(t, port);
  // Total = max(64 KiB, 4 x 512) + 100 bytes; 200 lines of 400 bytes is 80 KB.
  const lines = Array.from({ length: 200 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(400)}\r\n`).join('');
  client.socket.write(get('/', lines));
  await client.waitFor((c) => c.closed, 5000, 'close after 431');
  assert.match(client.data, /^HTTP\/1\.1 431 /);
  assert.equal(service.stats.requests, 0, 'the app never saw it');
});

test('a malformed request gets 400 and a keep-alive neighbour is not disturbed', async (t) => {
  const { port } = await serve(t, hello, limits);
  const neighbour = await RawClient.open(t, port);
  neighbour.socket.write(get('/before'));
  await neighbour.waitFor((c) => c.responses() === 1 && c.data.endsWith('hello'), 5000, 'neighbour first');

  const bad = await RawClient.open(t, port);
  bad.socket.write('THIS IS NOT HTTP\r\n\r\n');
  await bad.waitFor((c) => c.closed, 5000, 'close after 400');
  assert.match(bad.data, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(bad.data, /Connection: close/i);

  neighbour.socket.write(get('/after'));
  await neighbour.waitFor((c) => c.responses() === 2 && c.data.endsWith('hello'), 5000, 'neighbour second');
  assert.equal(neighbour.closed, false);
});

test('HEAD gets the headers and no body', async (t) => {
  const { port } = await serve(t, hello);
  const client = await RawClient.open(t, port);
  client.socket.write('HEAD / HTTP/1.1\r\nHost: test\r\n\r\n');
  client.socket.write(get('/next'));
  await client.waitFor((c) => c.responses() === 2 && c.data.endsWith('hello'), 5000, 'HEAD then GET');
  const [head] = client.data.split(/(?=HTTP\/1\.1 )/);
  assert.match(head as string, /Content-Length: 5\r\n/i);
  assert.ok((head as string).endsWith('\r\n\r\n'), 'no body after the HEAD headers');
});
