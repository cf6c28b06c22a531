/**
 * Issue 27, finding 1: with `amqps://` and no `ssl_ca_file` (the system CAs), any certificate
 * from a CA the system trusts used to be accepted for any name. The reproduction: a stand-in
 * "public" CA through NODE_EXTRA_CA_CERTS and a fake broker on localhost holding a certificate
 * that CA issued for `attacker.example`. The fake broker answers the AMQP header with a
 * Connection.Start, so a client that trusts it sends its Start-Ok with the password (AMQPLAIN).
 * Now the launcher refuses the certificate (exit 2, no password sent), with and without
 * ssl_enforce_hostname_verification; a certificate for `localhost` from the same CA is accepted
 * (the control: the stand-in CA is trusted); `ssl_ca_file` without the flag (oslo's default)
 * still skips the name, and each worker warns about it at start.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createServer, type TLSSocket } from 'node:tls';
import { certFolder, selfSigned, signed } from '../../helpers/certs.js';
import { startLauncher } from '../../helpers/launcher.js';

const PASSWORD = 'Br0kerS3cret';

/** A CA and two server certificates it signed: one for attacker.example, one for localhost. */
function makeCerts(t: TestContext): { dir: string; ca: string; attacker: string; localhost: string } {
  const { dir, remove } = certFolder('oslo-node-public-ca-');
  t.after(remove);
  const ca = selfSigned(dir, 'ca', { cn: 'Stand-in Public Root' });
  for (const [name, host] of [
    ['attacker', 'attacker.example'],
    ['localhost', 'localhost'],
  ] as const) {
    signed(dir, name, 'ca', { cn: host, ext: `subjectAltName=DNS:${host}\nextendedKeyUsage=serverAuth\n` });
  }
  return { dir, ca: ca.cert, attacker: join(dir, 'attacker'), localhost: join(dir, 'localhost') };
}

/** AMQP 0-9-1 Connection.Start on channel 0 (empty server properties, AMQPLAIN and PLAIN). */
function connectionStart(): Buffer {
  const longstr = (text: string): Buffer => {
    const body = Buffer.from(text);
    const size = Buffer.alloc(4);
    size.writeUInt32BE(body.length);
    return Buffer.concat([size, body]);
  };
  const payload = Buffer.concat([Buffer.from([0, 10, 0, 10, 0, 9]), Buffer.alloc(4), longstr('AMQPLAIN PLAIN'), longstr('en_US')]);
  const head = Buffer.alloc(7);
  head.writeUInt8(1, 0);
  head.writeUInt16BE(0, 1);
  head.writeUInt32BE(payload.length, 3);
  return Buffer.concat([head, payload, Buffer.from([0xce])]);
}

interface FakeBroker {
  readonly port: number;
  /** Everything clients sent after their handshake. */
  received(): string;
  /** Handshakes clients aborted (a refused certificate). */
  readonly refusals: Error[];
}

/** A TLS server on localhost that plays the first step of an AMQP broker. */
async function fakeBroker(t: TestContext, certBase: string): Promise<FakeBroker> {
  const chunks: Buffer[] = [];
  const refusals: Error[] = [];
  const server = createServer({ cert: readFileSync(`${certBase}.pem`), key: readFileSync(`${certBase}.key`) }, (socket: TLSSocket) => {
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (chunk.subarray(0, 4).toString() === 'AMQP') socket.write(connectionStart());
    });
  });
  server.on('tlsClientError', (error: Error) => refusals.push(error));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { port: (server.address() as AddressInfo).port, received: () => Buffer.concat(chunks).toString('latin1'), refusals };
}

async function launcherAgainst(t: TestContext, ca: string, port: number, extra: string[]) {
  const launcher = await startLauncher(['--workers', '1', '--transport-url', `amqps://nova:${PASSWORD}@localhost:${port}/`, ...extra], {
    waitReady: false,
    env: { NODE_EXTRA_CA_CERTS: ca },
  });
  t.after(() => launcher.kill());
  return launcher;
}

async function refusedWithoutThePassword(t: TestContext, certs: ReturnType<typeof makeCerts>, extra: string[]): Promise<void> {
  const broker = await fakeBroker(t, certs.attacker);
  const launcher = await launcherAgainst(t, certs.ca, broker.port, extra);
  const exit = await launcher.exited;
  assert.equal(exit.code, 2, 'a refused certificate is a configuration error');
  const all = JSON.stringify(launcher.lines) + launcher.rawLines.join('\n');
  assert.match(all, /does not name the host in transport_url/);
  assert.equal(broker.received().includes(PASSWORD), false, 'the password never reached the fake broker');
  assert.equal(broker.received(), '', 'nothing was sent past the handshake');
  assert.ok(broker.refusals.length >= 1, 'the client aborted the handshake');
  assert.equal(all.includes(PASSWORD), false, 'no password in the output');
}

test('amqps with the system CAs refuses a trusted certificate for another name', { timeout: 120_000 }, async (t) => {
  const certs = makeCerts(t);

  await t.test('the control: a certificate for localhost from the stand-in CA is trusted (the password is sent)', async (t) => {
    const broker = await fakeBroker(t, certs.localhost);
    const launcher = await launcherAgainst(t, certs.ca, broker.port, []);
    const deadline = Date.now() + 30_000;
    while (!broker.received().includes(PASSWORD)) {
      assert.ok(Date.now() < deadline, `no Start-Ok within 30 s; received ${JSON.stringify(broker.received())}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    launcher.kill();
    assert.equal(
      launcher.lines.some((line) => /does not check the broker's name/.test(line.msg)),
      false,
      'no warning: the name was checked',
    );
  });

  await t.test('attacker.example on localhost, no flag: exit 2, no password sent', () => refusedWithoutThePassword(t, certs, []));

  await t.test('attacker.example on localhost, with ssl_enforce_hostname_verification: exit 2, no password sent', () =>
    refusedWithoutThePassword(t, certs, ['--rabbit-ssl-enforce-hostname-verification']),
  );

  await t.test('ssl_ca_file with the flag checks the name too', () =>
    refusedWithoutThePassword(t, certs, ['--rabbit-ssl-ca-file', certs.ca, '--rabbit-ssl-enforce-hostname-verification']),
  );

  await t.test('ssl_ca_file without the flag (oslo default) skips the name, with a warning at start', async (t) => {
    const broker = await fakeBroker(t, certs.attacker);
    const launcher = await launcherAgainst(t, certs.ca, broker.port, ['--rabbit-ssl-ca-file', certs.ca]);
    const warning = await launcher.waitForLine(
      (line) => /does not check the broker's name/.test(line.msg),
      30_000,
      'the unchecked-name warning',
    );
    assert.equal(warning.level, 40);
    assert.equal(warning.option, 'rabbit_ssl_enforce_hostname_verification');
    launcher.kill();
  });
});
