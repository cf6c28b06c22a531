/**
 * A private RabbitMQ with a TLS listener that verifies peers (verify_peer +
 * fail_if_no_peer_cert) and offers EXTERNAL login (rabbitmq_auth_mechanism_ssl, user = the
 * client certificate's CN), started through scripts/rabbitmq.sh's hooks under .tmp: this system's
 * RabbitMQ 3.10, or with `rabbitmq4` the RabbitMQ 4 of the trixie root, configured as 4.3 ships.
 */
import type { TestContext } from 'node:test';
import type { TestCerts } from '../integration/http/certs.js';
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
export async function startTlsBroker(t: TestContext, certs: TestCerts, certUsers: string[], options: TlsBrokerOptions = {}): Promise<TlsBroker> {
  const tlsPort = await freePort();
  const { dir } = await startPrivateBroker(t, options.rabbitmq4 ? 'tls4' : 'tls', {
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
  }, options.rabbitmq4 ? RABBITMQ4 : []);
  const ctl = (...args: string[]): Promise<string> => rabbit(['ctl', ...args], dir);
  for (const user of certUsers) {
    // A user with no password can only log in through EXTERNAL.
    await ctl('add_user', user, 'unused-password');
    await ctl('clear_password', user);
    await ctl('set_permissions', user, '.*', '.*', '.*');
  }
  return { tlsPort, ctl };
}
