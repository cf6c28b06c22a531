/** default_pool_size: beyond it a request gets 503 with Retry-After and Connection: close (issue 3). */
import assert from 'node:assert/strict';
import type { RequestListener, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { RawClient, get, serve } from './serve.js';

test('requests beyond default_pool_size get 503; capacity returns when they finish', async (t) => {
  const held: ServerResponse[] = [];
  let arrived: () => void = () => undefined;
  const app: RequestListener = (_req, res) => {
    held.push(res);
    arrived();
  };
  const { port, service } = await serve(t, app, { default_pool_size: 2 });
  const first = await RawClient.open(t, port);
  const second = await RawClient.open(t, port);
  const bothHeld = new Promise<void>((resolve) => {
    arrived = () => held.length === 2 && resolve();
  });
  first.socket.write(get('/1'));
  second.socket.write(get('/2'));
  await bothHeld;
  assert.equal(service.stats.inFlight, 2);

  const third = await RawClient.open(t, port);
  third.socket.write(get('/3'));
  await third.waitFor((c) => c.closed, 5000, '503 and close');
  assert.match(third.data, /^HTTP\/1\.1 503 /);
  assert.match(third.data, /Retry-After: 1\r\n/i);
  assert.match(third.data, /Connection: close/i);
  assert.equal(held.length, 2, 'the app never saw the refused request');

  for (const res of held.splice(0)) res.end('done');
  await first.waitFor((c) => c.data.endsWith('done'), 5000, 'first done');
  const fourth = await RawClient.open(t, port);
  const fourthHeld = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  fourth.socket.write(get('/4'));
  await fourthHeld;
  for (const res of held.splice(0)) res.end('ok');
  await fourth.waitFor((c) => c.data.endsWith('ok'), 5000, 'fourth served');
  assert.match(fourth.data, /^HTTP\/1\.1 200 /);
});
