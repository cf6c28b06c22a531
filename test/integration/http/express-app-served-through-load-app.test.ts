/** An Express 5 app (dev dependency) loaded through loadApp serves through HttpService (issue 3). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadApp } from '../../../src/http/app-loader.js';
import { silentLogger } from '../../../src/logging/logger.js';
import { httpGet } from '../../helpers/http.js';
import { serve, testConfig } from './serve.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../fixtures/http/${name}`, import.meta.url));

test('an Express app is detected as a listener and serves routes, JSON bodies and its own 500s', async (t) => {
  const app = await loadApp(fixture('express-app.js'), { config: testConfig(), logger: silentLogger() });
  const { port, service } = await serve(t, app);
  const item = await httpGet(port, '/items/42', { headers: { 'X-Request-Id': 'trace-1' } });
  assert.equal(item.status, 200);
  assert.deepEqual(JSON.parse(item.body), { id: '42', protocol: 'http' });
  assert.equal(item.headers['x-request-id'], 'trace-1');

  const posted = await httpGet(port, '/echo', {
    method: 'POST',
    body: JSON.stringify({ a: 1 }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(posted.status, 201);
  assert.deepEqual(JSON.parse(posted.body), { received: { a: 1 } });

  assert.equal((await httpGet(port, '/boom')).status, 500);
  assert.equal((await httpGet(port, '/missing')).status, 404);
  assert.equal(service.stats.requests, 4);
});

test('a factory module is called with the context and its listener serves', async (t) => {
  const config = testConfig({ binary: 'factory-test' });
  const app = await loadApp(fixture('factory-app.js'), { config, logger: silentLogger() });
  const { port } = await serve(t, app);
  assert.equal((await httpGet(port, '/')).body, 'binary=factory-test');
});
