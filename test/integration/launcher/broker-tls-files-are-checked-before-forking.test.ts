/**
 * The broker TLS options are checked by the launcher before it forks: a missing, unreadable or
 * non-PEM file, an unknown ssl_version and EXTERNAL login without a client certificate stop
 * startup with exit 2 and a message naming the option (and file), not a crash loop of workers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { LAUNCHER } from '../../helpers/launcher.js';

test('broker TLS misconfigurations exit 2 in preflight, naming the option and file', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-broker-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const notPem = join(dir, 'not-a-cert.pem');
  writeFileSync(notPem, 'hello\n');
  const launch = async (rabbitLines: string[], url = 'rabbit://nova:Sup3rS3cret@127.0.0.1:1/') => {
    const file = join(dir, `case-${Math.random().toString(16).slice(2)}.conf`);
    writeFileSync(file, ['[DEFAULT]', `transport_url = ${url}`, '[oslo_messaging_rabbit]', ...rabbitLines, ''].join('\n'));
    const result = await execa(process.execPath, [LAUNCHER, '--config-file', file, '--port', '0', '--workers', '1'], {
      reject: false,
      timeout: 15_000,
    });
    assert.doesNotMatch(result.stdout + result.stderr, /Sup3rS3cret/, 'the password never reaches the output');
    assert.doesNotMatch(result.stdout, /worker forked/, 'nothing was forked');
    return result;
  };

  const missing = await launch(['ssl = true', 'ssl_ca_file = /nonexistent/ca.pem']);
  assert.equal(missing.exitCode, 2);
  assert.match(missing.stderr, /ssl_ca_file \/nonexistent\/ca\.pem: .*(ENOENT|no such file)/i);

  // A directory cannot be read as a file (root reads any mode, so this is the unreadable case).
  const unreadable = await launch([`ssl_cert_file = ${dir}`, `ssl_key_file = ${notPem}`], `amqps://nova:Sup3rS3cret@127.0.0.1:1/`);
  assert.equal(unreadable.exitCode, 2);
  assert.match(unreadable.stderr, new RegExp(`ssl_cert_file ${dir}: .*(EISDIR|directory)`, 'i'));

  const garbage = await launch(['ssl = true', `ssl_ca_file = ${notPem}`]);
  assert.equal(garbage.exitCode, 2);
  assert.match(garbage.stderr, /ssl_ca_file .*not-a-cert\.pem is not a PEM CA bundle/);

  const version = await launch(['ssl = true', 'ssl_version = TLSv9']);
  assert.equal(version.exitCode, 2);
  assert.match(version.stderr, /ssl_version: "TLSv9"/);

  const external = await launch(['ssl = true', 'rabbit_login_method = EXTERNAL']);
  assert.equal(external.exitCode, 2);
  assert.match(external.stderr, /rabbit_login_method: EXTERNAL .*ssl_cert_file/);

  // Without TLS the ssl_* files are not used, as in oslo: no check, no exit 2 for them.
  const plain = await launch(['ssl = false', 'ssl_ca_file = /nonexistent/ca.pem', 'kombu_failover_strategy = sideways']);
  assert.equal(plain.exitCode, 2);
  assert.match(plain.stderr, /kombu_failover_strategy/);
  assert.doesNotMatch(plain.stderr, /ssl_ca_file/);
});
