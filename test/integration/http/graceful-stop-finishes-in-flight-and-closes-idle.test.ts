/**
 * Graceful stop (issue 3): idle keep-alive connections close at once, every in-flight request
 * finishes and is answered with Connection: close, then stop() resolves; the drain timeout cuts
 * what is left and says so.
 */
import assert from 'node:assert/strict';
import type { RequestListener, ServerResponse } from 'node:http';
import { test } from 'node:test';
import { RawClient, get, serve } from './serve.js';

function holdingApp(held: ServerResponse[], onHeld: () => void): RequestListener {
  return (req, res) => {
    if (req.url === '/fast') {
      res.end('fast');
      return;
    }
    held.push(res);
    onHeld();
  };
}

test('stop with 50 in-flight slow requests and 50 idle keep-alive connections', async (t) => {
  const held: ServerResponse[] = [];
  let allHeld: () => void = () => undefined;
  const heldPromise = new Promise<void>((resolve) => {
    allHeld = resolve;
  });
  const { port, service, logs } = await serve(
    t,
    holdingApp(held, () => held.length === 50 && allHeld()),
  );

  const idle = await Promise.all(Array.from({ length: 50 }, () => RawClient.open(t, port)));
  for (const client of idle) client.socket.write(get('/fast'));
  await Promise.all(idle.map((c) => c.waitFor((x) => x.data.endsWith('fast'), 5000, 'fast response')));
  const busy = await Promise.all(Array.from({ length: 50 }, () => RawClient.open(t, port)));
  busy.forEach((client, i) => {
    client.socket.write(get(`/slow/${i}`));
  });
  await heldPromise;
  assert.deepEqual(service.stats, { requests: 100, inFlight: 50, connections: 100, cut: 0, handedBack: 0, refused: 0 });

  let stopped = false;
  const stopping = service.stop({ timeoutMs: 10_000 });
  assert.equal(service.stop({ timeoutMs: 1 }), stopping, 'every caller gets the same promise');
  void stopping.then(() => {
    stopped = true;
  });
  assert.equal(service.state, 'stopping');

  await Promise.all(idle.map((c) => c.waitFor((x) => x.closed, 2000, 'idle close')));
  assert.equal(busy.filter((c) => c.closed).length, 0, 'no busy connection was cut');
  assert.equal(stopped, false, 'stop waits for the in-flight requests');

  held.forEach((res, i) => {
    res.end(`slow-done-${i}`);
  });
  await Promise.all(busy.map((c) => c.waitFor((x) => x.closed, 5000, 'busy close')));
  busy.forEach((client, i) => {
    assert.match(client.data, /^HTTP\/1\.1 200 /);
    assert.match(client.data, /Connection: close\r\n/i);
    assert.ok(client.data.endsWith(`slow-done-${i}`), `response ${i} complete`);
  });
  await stopping;
  assert.equal(service.state, 'stopped');
  assert.deepEqual(service.stats, { requests: 100, inFlight: 0, connections: 0, cut: 0, handedBack: 0, refused: 0 });
  assert.ok(logs.some((line) => line.msg === 'HTTP service stopped'));

  const late = await RawClient.open(t, port);
  late.socket.write(get('/fast'));
  await late.waitFor((c) => c.closed, 2000, 'refused after stop');
  assert.equal(late.data, '');
});

test('a response whose headers went out before stop completes, then its connection closes', async (t) => {
  const held: ServerResponse[] = [];
  let onHeld: () => void = () => undefined;
  const heldPromise = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const { port, service } = await serve(
    t,
    holdingApp(held, () => onHeld()),
  );
  const client = await RawClient.open(t, port);
  client.socket.write(get('/stream'));
  await heldPromise;
  const res = held[0] as ServerResponse;
  res.write('part-one;');
  await client.waitFor((c) => c.data.includes('part-one;'), 5000, 'first chunk');
  assert.match(client.data, /Connection: keep-alive/i);
  const stopping = service.stop({ timeoutMs: 5000 });
  res.end('part-two');
  await client.waitFor((c) => c.closed, 5000, 'close after the last chunk');
  assert.match(client.data, /part-one;\r\n[0-9a-f]+\r\npart-two\r\n0\r\n\r\n$/);
  await stopping;
});

test('the drain timeout destroys what is left and logs how many were cut', async (t) => {
  const held: ServerResponse[] = [];
  let onHeld: () => void = () => undefined;
  const heldPromise = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const { port, service, logs } = await serve(
    t,
    holdingApp(held, () => onHeld()),
  );
  const client = await RawClient.open(t, port);
  client.socket.write(get('/never'));
  await heldPromise;
  const began = performance.now();
  await service.stop({ timeoutMs: 300 });
  const elapsed = performance.now() - began;
  assert.ok(elapsed >= 290 && elapsed < 2000, `stop took ${elapsed} ms`);
  await client.waitFor((c) => c.closed, 2000, 'cut');
  assert.equal(service.stats.cut, 1);
  assert.equal(service.stats.connections, 0);
  const warning = logs.find((line) => line.msg.startsWith('HTTP drain timed out'));
  assert.ok(warning, 'a warning names the cut connections');
  assert.equal(warning.connections, 1);
  assert.equal(warning.busy, 1);
});

test('stop before start resolves and later connections are refused', async () => {
  const { HttpService } = await import('../../../src/http/http-service.js');
  const { testConfig } = await import('./serve.js');
  const { silentLogger } = await import('../../../src/logging/logger.js');
  const service = new HttpService({ config: testConfig(), logger: silentLogger(), app: () => undefined });
  await service.stop({ timeoutMs: 100 });
  assert.equal(service.state, 'stopped');
  await service.start();
  assert.equal(service.state, 'stopped');
});
