/**
 * An app that throws (or rejects) gets a 500 and a log line while the worker keeps serving;
 * request ids are honoured when safe, made otherwise, echoed, and visible to the app (issue 3).
 */
import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { assignRequestId, requestIdOf } from '../../../src/http/request-id.js';
import { echoRequestId } from '../../../src/internals/response-head.js';
import { httpGet } from '../../helpers/http.js';
import { serve } from './serve.js';

const app: RequestListener = async (req, res) => {
  if (req.url === '/throw') throw new Error('sync failure');
  if (req.url === '/reject') {
    await Promise.resolve();
    throw new Error('async failure');
  }
  res.end(`id=${requestIdOf(req)}`);
};

test('a throwing or rejecting app gets 500 with a log line, and later requests are served', async (t) => {
  const thrower: RequestListener = (req, res) => {
    if (req.url === '/throw') throw new Error('sync failure');
    return app(req, res);
  };
  const { port, logs } = await serve(t, thrower);
  const sync = await httpGet(port, '/throw');
  assert.equal(sync.status, 500);
  assert.equal(sync.headers.connection, 'close');
  const async = await httpGet(port, '/reject');
  assert.equal(async.status, 500);
  const after = await httpGet(port, '/fine');
  assert.equal(after.status, 200);
  const failures = logs.filter((line) => line.msg === 'app failed while handling a request');
  assert.equal(failures.length, 2);
  assert.equal((failures[0]?.err as { message: string } | undefined)?.message, 'sync failure');
  assert.equal(failures[0]?.requestId, sync.headers['x-request-id']);
});

test('a safe incoming X-Request-Id is kept; an unsafe or missing one is replaced by req-<uuid>', async (t) => {
  const { port } = await serve(t, app);
  const kept = await httpGet(port, '/', { headers: { 'X-Request-Id': 'abc-123:x.y_z' } });
  assert.equal(kept.headers['x-request-id'], 'abc-123:x.y_z');
  assert.equal(kept.body, 'id=abc-123:x.y_z');

  const unsafe = await httpGet(port, '/', { headers: { 'X-Request-Id': 'bad id"<script>' } });
  assert.match(String(unsafe.headers['x-request-id']), /^req-[0-9a-f-]{36}$/);
  assert.equal(unsafe.body, `id=${unsafe.headers['x-request-id']}`);

  const made = await httpGet(port, '/');
  assert.match(String(made.headers['x-request-id']), /^req-[0-9a-f-]{36}$/);
  assert.notEqual(made.headers['x-request-id'], unsafe.headers['x-request-id']);
});

test('the access log writes one line per request with fields and the wsgi_log_format message', async (t) => {
  const { port, logs } = await serve(t, app, { access_log: true, trusted_proxies: '127.0.0.1' });
  await httpGet(port, '/hello?x=1', { headers: { 'X-Request-Id': 'log-me', 'X-Forwarded-For': '10.0.0.9' } });
  const lines = logs.filter((line) => line.component === 'access');
  assert.equal(lines.length, 1);
  const line = lines[0] as Record<string, unknown>;
  assert.equal(line.method, 'GET');
  assert.equal(line.path, '/hello?x=1');
  assert.equal(line.status, 200);
  assert.equal(line.bytes, 'id=log-me'.length);
  assert.equal(line.requestId, 'log-me');
  assert.equal(line.remote, '127.0.0.1');
  assert.equal(typeof line.durationMs, 'number');
  assert.match(String(line.msg), /^10\.0\.0\.9,127\.0\.0\.1 "GET \/hello\?x=1 HTTP\/1\.1" status: 200 {2}len: 9 time: \d+\.\d{7}$/);
});

test('the access log scrubs a URL password a client put in the request target', async (t) => {
  const { port, logs } = await serve(t, app, { access_log: true });
  await httpGet(port, 'http://user:topsecret@example.test/path');
  const line = logs.find((entry) => entry.component === 'access') as Record<string, unknown>;
  assert.equal(line.path, 'http://user:***@example.test/path');
  assert.doesNotMatch(JSON.stringify(line), /topsecret/);
});

test('access_log off writes no request lines', async (t) => {
  const { port, logs } = await serve(t, app, { access_log: false });
  await httpGet(port, '/');
  assert.equal(logs.filter((line) => line.component === 'access').length, 0);
});

// Every way an app can write its head; '/own-' paths set an id of their own.
const styles: Record<string, RequestListener> = {
  '/object': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('x'),
  '/message': (_req, res) => res.writeHead(200, 'Fine', { 'content-type': 'text/plain' }).end('x'),
  '/flat-array': (_req, res) => res.writeHead(200, ['content-type', 'text/plain']).end('x'),
  '/pairs': (_req, res) => res.writeHead(200, [['content-type', 'text/plain']] as unknown as string[]).end('x'),
  '/set-header': (_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.writeHead(200, { 'x-other': '1' }).end('x');
  },
  '/implicit': (_req, res) => res.end('x'),
  '/chunked': (_req, res) => {
    res.write('');
    res.end('x');
  },
  '/flushed': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    res.end('x');
  },
  '/implicit-set-header': (_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end('x');
  },
  '/own-object': (_req, res) => res.writeHead(200, { 'X-REQUEST-ID': 'mine' }).end('x'),
  '/own-array': (_req, res) => res.writeHead(200, ['x-request-id', 'mine']).end('x'),
  '/own-pairs': (_req, res) => res.writeHead(200, [['X-Request-Id', 'mine']] as unknown as string[]).end('x'),
  '/own-set-header': (_req, res) => {
    res.setHeader('x-request-id', 'mine');
    res.end('x');
  },
};

/** Each style once with an incoming X-Request-Id: the id comes back exactly once (or the app's own). */
async function assertEchoes(port: number): Promise<void> {
  for (const path of Object.keys(styles)) {
    const reply = await httpGet(port, path, { headers: { 'X-Request-Id': 'sent-id' } });
    assert.equal(reply.status, 200, path);
    assert.equal(reply.headers['x-request-id'], path.startsWith('/own-') ? 'mine' : 'sent-id', path);
    assert.equal(reply.body, 'x', path);
  }
}

const styleApp: RequestListener = (req, res) => (styles[req.url ?? ''] as RequestListener)(req, res);

test('the id is echoed once whichever way the app writes its head; an app-set X-Request-Id wins', async (t) => {
  const { port } = await serve(t, styleApp);
  await assertEchoes(port);
});

test('the fallback (the id passed with the app headers), for a node that builds no head string, echoes the same way', async (t) => {
  const server = createServer((req, res) => {
    assignRequestId(req);
    echoRequestId(res, false);
    styleApp(req, res);
  });
  t.after(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await assertEchoes((server.address() as AddressInfo).port);
});
