// Issue 14, low item: X-Forwarded-For went into the access log's client address whoever sent it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { startLauncher } from '../../helpers/launcher.js';

const accessLineOf = (id: string) => (line: { msg: string; requestId?: unknown }) => line.requestId === id;

test('X-Forwarded-For is ignored by default and believed only from a proxy in trusted_proxies', async (t) => {
  const plain = await startLauncher(['--workers', '1']);
  t.after(() => plain.kill());
  await httpGet(plain.port, '/healthz', { headers: { 'X-Forwarded-For': '6.6.6.6', 'X-Request-Id': 'forged' } });
  const forged = await plain.waitForLine(accessLineOf('forged'), 5000, 'the access line');
  assert.match(forged.msg, /^127\.0\.0\.1 "GET \/healthz HTTP\/1\.1"/);

  const behindProxy = await startLauncher(['--workers', '1', '--trusted-proxies', '10.1.1.1, 127.0.0.1']);
  t.after(() => behindProxy.kill());
  await httpGet(behindProxy.port, '/healthz', { headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Request-Id': 'proxied' } });
  const proxied = await behindProxy.waitForLine(accessLineOf('proxied'), 5000, 'the access line');
  assert.match(proxied.msg, /^203\.0\.113\.7,127\.0\.0\.1 "GET \/healthz HTTP\/1\.1"/);
});

test('a trusted_proxies entry that is not an IP address is exit 2 naming the option', async (t) => {
  const launcher = await startLauncher(['--workers', '1', '--trusted-proxies', '10.0.0.0/8'], { waitReady: false });
  t.after(() => launcher.kill());
  assert.equal((await launcher.exited).code, 2);
  assert.match(launcher.rawLines.join('\n'), /invalid value for option trusted_proxies: "10\.0\.0\.0\/8" is not an IP address/);
});
