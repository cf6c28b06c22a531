/**
 * Issue 25, part 3, from a plain program: what goes wrong when getting a transport is said
 * clearly (a coded error naming the option, the scheme, or where the launcher was looked for),
 * and `import 'oslo-node'` does not load amqplib while `oslo-node/amqp` does.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLines, userProject } from '../../helpers/user-program.js';

/** argv[2]: which function, argv[3]: options. Prints the error (name, code, option, message) or "ok". */
const TRY = `
import * as oslo from 'oslo-node';
try {
  const transport = await oslo[process.argv[2]](JSON.parse(process.argv[3]));
  await transport.stop();
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ name: error.name, code: error.code, option: error.option ?? null, message: error.message }));
}
`;

const AMQPLIB = `
import { createRequire } from 'node:module';
const amqplibModules = () => Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('/node_modules/amqplib/')).length;
const root = await import('oslo-node');
const afterRoot = amqplibModules();
const amqp = await import('oslo-node/amqp');
const config = amqp.transportConfig({ config: { ssl: true, oslo_messaging_rabbit: { rabbit_quorum_queue: true } }, env: {} });
console.log(JSON.stringify({
  afterRoot,
  afterSubpath: amqplibModules() > 0,
  exports: [typeof root.getRpcTransport, typeof root.getNotificationTransport, typeof amqp.AmqpTransport, typeof amqp.BrokerConnectError],
  options: [config.rabbit_ssl, config.rabbit_quorum_queue],
}));
`;

test('errors: no launcher names where it looked, a bad scheme, a bad or unknown option, a broker not there', {
  timeout: 60_000,
}, async (t) => {
  const user = userProject(t);
  user.write('try.mjs', TRY);
  const attempt = async (fn: string, options: unknown): Promise<Record<string, unknown>> => {
    const result = await user.run('try.mjs', [fn, JSON.stringify(options)]);
    assert.equal(result.exitCode, 0, result.stderr);
    return jsonLines(result.stdout).at(-1)!;
  };

  // No launcher on this host: the private runtime folder where launchers register (issue 26).
  const folder = join(user.runtimeDir, `oslo-node-${process.getuid!()}`);
  for (const fn of ['getRpcTransport', 'getNotificationTransport']) {
    const none = await attempt(fn, {});
    assert.equal(none.code, 'ERR_RPC_EMBEDDED', JSON.stringify(none));
    assert.match(String(none.message), /^no launcher is running on this host: none with the embedded transport is registered in /);
    assert.ok(String(none.message).includes(folder), `names ${folder}: ${none.message}`);
    assert.match(String(none.message), /embedded_socket or OSLO_NODE_EMBEDDED_SOCKET/);
  }
  const named = await attempt('getRpcTransport', { config: { embedded_socket: join(user.dir, 'nowhere.sock') } });
  assert.ok(String(named.message).includes(`${join(user.dir, 'nowhere.sock')} (embedded_socket)`), String(named.message));

  // A scheme we do not speak: the scheme is named, the credentials are not.
  for (const transportUrl of ['kafka://user:s3cret@host:9092/', 'zmq://host']) {
    const bad = await attempt('getRpcTransport', { transportUrl });
    assert.deepEqual([bad.name, bad.code, bad.option], ['ConfigError', 'ERR_CONFIG_INVALID', 'transportUrl']);
    assert.match(String(bad.message), /unsupported scheme (kafka|zmq):\/\/; oslo-node speaks rabbit:\/\/, amqp:\/\/ and amqps:\/\//);
    assert.doesNotMatch(String(bad.message), /s3cret/);
  }
  const fromConfig = await attempt('getNotificationTransport', {
    config: { oslo_messaging_notifications: { transport_url: 'kafka://h/' } },
  });
  assert.equal(fromConfig.option, 'notification_transport_url', JSON.stringify(fromConfig));

  // Options are checked as the launcher checks them.
  const badValue = await attempt('getRpcTransport', { transportUrl: 'rabbit://h/', config: { ssl: 'maybe' } });
  assert.deepEqual([badValue.code, badValue.option], ['ERR_CONFIG_INVALID', 'rabbit_ssl'], JSON.stringify(badValue));
  const unknown = await attempt('getRpcTransport', { config: { oslo_messaging_rabbit: { rabbit_quorum_queues: true } } });
  assert.deepEqual(
    [unknown.code, unknown.message],
    ['ERR_CONFIG_USAGE', 'unknown option rabbit_quorum_queues in section [oslo_messaging_rabbit]'],
  );
  const combination = await attempt('getRpcTransport', {
    transportUrl: 'rabbit://h/',
    config: { rabbit_ha_queues: true, rabbit_quorum_queue: true },
  });
  assert.equal(combination.option, 'rabbit_quorum_queue', JSON.stringify(combination));
  const missingCa = await attempt('getRpcTransport', { transportUrl: 'amqps://h/', config: { ssl_ca_file: join(user.dir, 'no-ca.pem') } });
  assert.equal(missingCa.code, 'ERR_CONFIG_INVALID', JSON.stringify(missingCa));
  assert.ok(String(missingCa.message).includes('no-ca.pem'), String(missingCa.message));

  // A broker that is not there: one round over the hosts, then a coded error (no endless retry).
  const absent = await attempt('getRpcTransport', { transportUrl: 'rabbit://guest:guest@127.0.0.1:1/' });
  assert.deepEqual([absent.name, absent.code], ['BrokerConnectError', 'ERR_AMQP_CONNECT'], JSON.stringify(absent));
});

test("import 'oslo-node' does not load amqplib; 'oslo-node/amqp' exports the transport and loads it", async (t) => {
  const user = userProject(t);
  user.write('amqplib.mjs', AMQPLIB);
  const result = await user.run('amqplib.mjs');
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(jsonLines(result.stdout).at(-1), {
    afterRoot: 0,
    afterSubpath: true,
    exports: ['function', 'function', 'function', 'function'],
    options: [true, true],
  });
});
