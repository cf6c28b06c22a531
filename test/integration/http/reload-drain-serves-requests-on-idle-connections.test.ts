import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { test } from 'node:test';
import { serve } from './serve.js';

function get(port: number, agent: Agent): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a drain with an idle grace (reload) serves a request sent on an idle keep-alive connection, with Connection: close', async (t) => {
  const { port, service } = await serve(t, (_req, res) => res.end('ok'));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  assert.equal((await get(port, agent)).status, 200);
  assert.equal(Object.values(agent.freeSockets).flat().length, 1, 'one idle keep-alive connection');

  const stopped = service.stop({ timeoutMs: 5000, idleGraceMs: 400 });
  // The client reuses its idle connection right after the drain began: no reset, an answer.
  const during = await get(port, agent);
  assert.deepEqual(during, { status: 200, connection: 'close' });
  await stopped;
});

test('without a grace (shutdown) idle keep-alive connections are closed at once', async (t) => {
  const { port, service } = await serve(t, (_req, res) => res.end('ok'));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  await get(port, agent);
  const [socket] = Object.values(agent.freeSockets).flat();
  const closed = new Promise<number>((resolve) => {
    const started = performance.now();
    socket!.once('close', () => resolve(performance.now() - started));
  });
  await service.stop({ timeoutMs: 5000 });
  assert.ok((await closed) < 200);
});
