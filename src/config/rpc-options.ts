/**
 * The [DEFAULT] options of RPC (oslo.messaging): the transport URL, the control exchange, the
 * call timeout and the executor; the framework metrics; the embedded transport's socket. Part
 * of the option table (options.ts), in its order.
 */
import type { OptionSpec } from './option-types.js';

export const RPC_OPTIONS = {
  transport_url: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    secret: true,
    help: 'rabbit://user:pass@host:port/vhost (several hosts comma-separated). Unset: embedded single-host transport.',
  },
  control_exchange: {
    group: 'DEFAULT',
    type: 'string',
    default: 'openstack',
    help: 'AMQP topic exchange that every RPC topic is bound to.',
  },
  rpc_response_timeout: {
    group: 'DEFAULT',
    type: 'float',
    min: 0.001,
    max: 86_400,
    default: 60,
    help: 'Seconds an RPC call waits for its reply.',
  },
  executor_thread_pool_size: {
    group: 'DEFAULT',
    type: 'int',
    min: 1,
    max: 10_000,
    default: 64,
    help: 'Most RPC requests one server dispatches at once.',
  },
  rpc_ping_enabled: {
    group: 'DEFAULT',
    type: 'bool',
    default: false,
    help: 'Add oslo\'s oslo_rpc_server_ping endpoint (answers "pong").',
  },
  rpc_max_message_bytes: {
    group: 'DEFAULT',
    type: 'int',
    min: 1024,
    max: 1 << 30,
    default: 16 * 1024 * 1024,
    help: 'Largest RPC message body accepted; larger ones are refused with a failure reply.',
  },
  metrics_enabled: {
    group: 'DEFAULT',
    type: 'bool',
    default: false,
    help: 'Serve the framework metrics (HTTP, RPC, pool, periodic tasks, worker restarts), merged over the workers, in Prometheus text format.',
  },
  metrics_path: {
    group: 'DEFAULT',
    type: 'string',
    default: '/metrics',
    help: 'Path of the metrics (with metrics_enabled); on the service port it is answered before the app.',
  },
  metrics_port: {
    group: 'DEFAULT',
    type: 'int',
    min: 0,
    max: 65_535,
    default: 0,
    help: 'With metrics_enabled: 0 serves metrics_path on the service port; another port makes the launcher serve it there (on metrics_host) and nowhere else.',
  },
  metrics_host: {
    group: 'DEFAULT',
    type: 'string',
    default: '127.0.0.1',
    help: 'Address the launcher serves metrics_port on (loopback by default; not [wsgi] host).',
  },
  metrics_token: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    secret: true,
    help: 'Bearer token metrics_port requires (Authorization: Bearer <token>); none when unset.',
  },
  embedded_socket: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    help: "Unix socket (mode 0600) of the embedded transport for the rpc CLI (default: embedded-<pid>.sock, the launcher's own, in the private folder oslo-node-<uid> under XDG_RUNTIME_DIR or the temp dir).",
  },
} as const satisfies Record<string, OptionSpec>;
