/** keep_alive: on, one connection serves several requests; off, it closes after one response (issue 3). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, get, hello, serve } from './serve.js';

test('keep_alive on serves a second request on the same connection', async (t) => {
  const { port } = await serve(t, hello, { keep_alive: true });
  const client = await RawClient.open(t, port);
  client.socket.write(get('/one'));
  await client.waitFor((c) => c.responses() === 1 && c.data.endsWith('hello'), 5000, 'first response');
  assert.match(client.data, /Connection: keep-alive/i);
  client.socket.write(get('/two'));
  await client.waitFor((c) => c.responses() === 2 && c.data.endsWith('hello'), 5000, 'second response');
  assert.equal(client.closed, false);
});

test('keep_alive off answers with Connection: close and the server closes the socket', async (t) => {
  const { port } = await serve(t, hello, { keep_alive: false });
  const client = await RawClient.open(t, port);
  client.socket.write(get('/one'));
  await client.waitFor((c) => c.closed, 5000, 'server close');
  assert.equal(client.responses(), 1);
  assert.match(client.data, /Connection: close/i);
  assert.ok(client.data.endsWith('hello'));
});
