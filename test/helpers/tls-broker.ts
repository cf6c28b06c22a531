/**
 * A private RabbitMQ with a TLS listener that verifies peers (verify_peer +
 * fail_if_no_peer_cert) and offers EXTERNAL login (rabbitmq_auth_mechanism_ssl, user = the
 * client certificate's CN), started through scripts/rabbitmq.sh's hooks under .tmp: this system's
 * RabbitMQ 3.10, or with `rabbitmq4` the RabbitMQ 4 of the trixie root, configured as 4.3 ships.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Config, OptionName } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging/logger.js';
import { AmqpTransport, BrokerTlsError } from '../../src/rpc/transports/amqp/index.js';
import type { TestCerts } from './certs.js';
import { RABBITMQ4, rabbit, startPrivateBroker } from './broker.js';
import { freePort } from './http.js';

export interface TlsBroker {
  /** The TLS port on 127.0.0.1. */
  readonly tlsPort: number;
  /** rabbitmqctl against this broker. */
  ctl(...args: string[]): Promise<string>;
}

/** A port that was free a moment ago (one helper, in http.ts). */
export { freePort };

export interface TlsBrokerOptions {
  /**
   * Run the trixie root's RabbitMQ 4 (scripts/rabbitmq.sh --rabbitmq4). It reads the
   * certificates at the same paths inside its root, so they must lie where the host and the
   * root see them alike (test/integration/rabbitmq4/support.ts samePathOnHost).
   */
  readonly rabbitmq4?: boolean;
}

/** Start the broker (stopped and removed after the test); `certUsers` get EXTERNAL access. */
export async function startTlsBroker(
  t: TestContext,
  certs: TestCerts,
  certUsers: string[],
  options: TlsBrokerOptions = {},
): Promise<TlsBroker> {
  const tlsPort = await freePort();
  const { dir } = await startPrivateBroker(
    t,
    options.rabbitmq4 ? 'tls4' : 'tls',
    {
      OSLO_NODE_RABBITMQ_PLUGINS: 'rabbitmq_auth_mechanism_ssl',
      OSLO_NODE_RABBITMQ_EXTRA_CONF: [
        `listeners.ssl.default = 127.0.0.1:${tlsPort}`,
        `ssl_options.cacertfile = ${certs.caCert}`,
        `ssl_options.certfile = ${certs.serverCert}`,
        `ssl_options.keyfile = ${certs.serverKey}`,
        'ssl_options.verify = verify_peer',
        'ssl_options.fail_if_no_peer_cert = true',
        'auth_mechanisms.1 = EXTERNAL',
        'auth_mechanisms.2 = PLAIN',
        'auth_mechanisms.3 = AMQPLAIN',
        'ssl_cert_login_from = common_name',
      ].join('\n'),
    },
    options.rabbitmq4 ? RABBITMQ4 : [],
  );
  const ctl = (...args: string[]): Promise<string> => rabbit(['ctl', ...args], dir);
  for (const user of certUsers) {
    // A user with no password can only log in through EXTERNAL.
    await ctl('add_user', user, 'unused-password');
    await ctl('clear_password', user);
    await ctl('set_permissions', user, '.*', '.*', '.*');
  }
  return { tlsPort, ctl };
}

/** Start transports against a TLS broker and check how they are refused. */
export interface TlsAttempts {
  /** Start a transport with `base` and these overrides; resolves with it (stopped after the test) or its error. */
  attempt(url: string, overrides: Partial<Record<OptionName, unknown>>): Promise<AmqpTransport | Error>;
  /** The start fails with a BrokerTlsError (ERR_AMQP_TLS) matching `why` and holding no password. */
  refused(url: string, overrides: Partial<Record<OptionName, unknown>>, why: RegExp): Promise<void>;
}

/** `created` also sees every transport attempt() makes (a test that stops its clients itself). */
export function tlsAttempts(t: TestContext, base: Config, created: (transport: AmqpTransport) => void = () => undefined): TlsAttempts {
  const attempt = async (url: string, overrides: Partial<Record<OptionName, unknown>>): Promise<AmqpTransport | Error> => {
    const transport = new AmqpTransport({ url, config: Object.freeze({ ...base, ...overrides }) as Config, logger: silentLogger() });
    t.after(() => transport.stop());
    created(transport);
    try {
      await transport.start();
      return transport;
    } catch (error) {
      return error as Error;
    }
  };
  const refused = async (url: string, overrides: Partial<Record<OptionName, unknown>>, why: RegExp): Promise<void> => {
    const result = await attempt(url, overrides);
    assert.ok(result instanceof BrokerTlsError, `expected a TLS refusal, got ${result instanceof Error ? result.message : 'a connection'}`);
    assert.equal(result.code, 'ERR_AMQP_TLS');
    assert.match(result.message, why);
    assert.doesNotMatch(result.message, /guest:guest/, 'no password in the error');
  };
  return { attempt, refused };
}
