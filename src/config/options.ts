/**
 * The option table: one declaration per option, with oslo's name and default where oslo has one
 * (see README.md, "Options", which is generated from the same rows by `--help`).
 */
import { availableParallelism, hostname } from 'node:os';
import type { OptionSpec, OptionValue } from './option-types.js';
import { RABBIT_QUEUE_OPTIONS } from './rabbit-queue-options.js';
import { UPGRADE_LEVELS_OPTIONS } from './upgrade-levels-option.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const OPTIONS = {
  // ---- [DEFAULT]: process, logging, service identity ----
  workers: {
    group: 'DEFAULT', type: 'int', min: 1, max: 512,
    default: () => availableParallelism(),
    help: 'Number of worker processes the launcher forks (default: available parallelism).',
  },
  log_level: {
    group: 'DEFAULT', type: 'string', choices: LOG_LEVELS, default: 'info',
    help: 'Lowest level written to the log (JSON lines on stdout).',
  },
  debug: {
    group: 'DEFAULT', type: 'bool', default: false,
    help: "Log at debug level whatever log_level says (oslo.log's debug; -d on the command line).",
  },
  log_format: {
    group: 'DEFAULT', type: 'string', choices: ['auto', 'json', 'pretty'], default: 'auto',
    help: 'Log lines: auto = pretty (one coloured line per event) when stdout is a terminal, JSON lines otherwise.',
  },
  pid_file: {
    group: 'DEFAULT', type: 'optional-string', default: undefined,
    help: 'Write the launcher pid to this file; removed on exit. ctl.js --pid-file F picks this launcher.',
  },
  control_socket: {
    group: 'DEFAULT', type: 'optional-string', default: undefined,
    help: 'Unix socket (mode 0600) of the launcher for ctl.js (default: control-<pid>.sock in the private folder of the embedded socket).',
  },
  reuse_port: {
    group: 'DEFAULT', type: 'bool', default: false,
    help: 'Bind the listening socket with SO_REUSEPORT (Node >= 22.12), so a second launcher can start on the port while this one drains (pm2 reload, blue/green). Without net.ipv4.tcp_migrate_req = 1 a stop may reset connections still queued in the kernel.',
  },
  graceful_shutdown_timeout: {
    group: 'DEFAULT', type: 'int', min: 0, max: 86_400, default: 60,
    help: 'Seconds a graceful stop may take before remaining workers are killed (0 = wait forever).',
  },
  service_host: {
    group: 'DEFAULT', type: 'string', default: () => hostname(),
    help: "Service identity in RPC targets and the service group (nova's [DEFAULT] host).",
  },
  binary: {
    group: 'DEFAULT', type: 'optional-string', default: undefined,
    help: "Service binary name; the RPC topic defaults to it (default: from the manager's class name, InventoryManager -> inventory; the demo's is demo).",
  },
  topic: {
    group: 'DEFAULT', type: 'optional-string', default: undefined,
    help: 'RPC topic of the service (default: the binary name).',
  },
  manager: {
    group: 'DEFAULT', type: 'optional-string', default: undefined,
    help: 'Module whose default export is the Manager class (default: the demo manager).',
  },
  app: {
    group: 'DEFAULT', type: 'optional-string', default: undefined,
    help: 'Module whose default export is a request listener or a factory (default: the demo app).',
  },
  admin_token: {
    group: 'DEFAULT', type: 'optional-string', default: undefined, secret: true,
    help: 'Bearer token that enables state-changing admin routes of the demo app (off when unset).',
  },
  backdoor_socket: {
    group: 'DEFAULT', type: 'optional-string', default: undefined,
    help: 'Path of a per-worker REPL unix socket (mode 0600) in a folder private to this user; it must contain {pid}, replaced by the pid. Off when unset.',
  },
  report_interval: {
    group: 'DEFAULT', type: 'int', min: 0, max: 3600, default: 10,
    help: 'Seconds between service-group heartbeats (0 = no heartbeats).',
  },
  service_down_time: {
    group: 'DEFAULT', type: 'int', min: 1, max: 86_400, default: 60,
    help: 'A service is down when its last heartbeat is older than this many seconds.',
  },
  servicegroup_driver: {
    group: 'DEFAULT', type: 'string', choices: ['messaging', 'db'], default: 'messaging',
    help: 'Where the service group lives: messaging (fanout casts, memory only) or db ([database] connection). See docs/servicegroup.md.',
  },
  connection: {
    group: 'database', type: 'optional-string', default: undefined, secret: true,
    help: 'postgresql://user:pass@host:port/dbname of the services table (servicegroup_driver = db).',
  },

  // ---- [DEFAULT]: RPC (oslo.messaging) ----
  transport_url: {
    group: 'DEFAULT', type: 'optional-string', default: undefined, secret: true,
    help: 'rabbit://user:pass@host:port/vhost (several hosts comma-separated). Unset: embedded single-host transport.',
  },
  control_exchange: {
    group: 'DEFAULT', type: 'string', default: 'openstack',
    help: 'AMQP topic exchange that every RPC topic is bound to.',
  },
  rpc_response_timeout: {
    group: 'DEFAULT', type: 'float', min: 0.001, max: 86_400, default: 60,
    help: 'Seconds an RPC call waits for its reply.',
  },
  executor_thread_pool_size: {
    group: 'DEFAULT', type: 'int', min: 1, max: 10_000, default: 64,
    help: 'Most RPC requests one server dispatches at once.',
  },
  rpc_ping_enabled: {
    group: 'DEFAULT', type: 'bool', default: false,
    help: "Add oslo's oslo_rpc_server_ping endpoint (answers \"pong\").",
  },
  rpc_max_message_bytes: {
    group: 'DEFAULT', type: 'int', min: 1024, max: 1 << 30, default: 16 * 1024 * 1024,
    help: 'Largest RPC message body accepted; larger ones are refused with a failure reply.',
  },
  metrics_enabled: {
    group: 'DEFAULT', type: 'bool', default: false,
    help: 'Serve the framework metrics (HTTP, RPC, pool, periodic tasks, worker restarts), merged over the workers, in Prometheus text format.',
  },
  metrics_path: {
    group: 'DEFAULT', type: 'string', default: '/metrics',
    help: 'Path of the metrics (with metrics_enabled); on the service port it is answered before the app.',
  },
  metrics_port: {
    group: 'DEFAULT', type: 'int', min: 0, max: 65_535, default: 0,
    help: 'With metrics_enabled: 0 serves metrics_path on the service port; another port makes the launcher serve it there (on metrics_host) and nowhere else.',
  },
  metrics_host: {
    group: 'DEFAULT', type: 'string', default: '127.0.0.1',
    help: 'Address the launcher serves metrics_port on (loopback by default; not [wsgi] host).',
  },
  metrics_token: {
    group: 'DEFAULT', type: 'optional-string', default: undefined, secret: true,
    help: 'Bearer token metrics_port requires (Authorization: Bearer <token>); none when unset.',
  },
  embedded_socket: {
    group: 'DEFAULT', type: 'optional-string', default: undefined,
    help: "Unix socket (mode 0600) of the embedded transport for the rpc CLI (default: embedded-<pid>.sock, the launcher's own, in the private folder oslo-node-<uid> under XDG_RUNTIME_DIR or the temp dir).",
  },

  // ---- [DEFAULT]: periodic tasks ----
  periodic_enable: {
    group: 'DEFAULT', type: 'bool', default: true,
    help: 'Run the manager periodic tasks at all.',
  },
  periodic_fuzzy_delay: {
    group: 'DEFAULT', type: 'int', min: 0, max: 86_400, default: 60,
    help: 'Random 0..N seconds before the first periodic run, so restarted fleets do not run in step.',
  },
  periodic_interval_max: {
    group: 'DEFAULT', type: 'int', min: 1, max: 86_400, default: 60,
    help: 'Longest the periodic scheduler sleeps between passes, in seconds.',
  },
  pool_threads: {
    group: 'periodic', type: 'int', min: 0, max: 256, default: 0,
    help: 'Threads of the per-worker piscina pool (0 = a share of the cores: max(1, cores / workers)).',
  },
  pool_max_queue: {
    group: 'periodic', type: 'int', min: 1, max: 1_000_000, default: 64,
    help: 'Pool tasks that may wait for a thread; more are refused instead of growing memory.',
  },
  pool_task_timeout: {
    group: 'periodic', type: 'float', min: 0, max: 86_400, default: 300,
    help: 'Seconds one pool task may run before it is aborted (0 = no limit).',
  },
  pool_directory: {
    group: 'DEFAULT', type: 'optional-string', default: undefined,
    help: "Folder where a pool task named without a path (pool: 'checksum') is found as checksum.js, relative to the working directory (default: the package's pool-tasks/, the demo's).",
  },
  digest_spacing: {
    group: 'periodic', type: 'float', min: 0, max: 86_400, default: 60,
    help: "Spacing in seconds of the demo's digest periodic task (0 disables it).",
  },
  digest_mebibytes: {
    group: 'periodic', type: 'int', min: 1, max: 4096, default: 16,
    help: "MiB hashed by each run of the demo's digest periodic task.",
  },

  // ---- [launcher]: the primary's restart policy ----
  restart_backoff_initial: {
    group: 'launcher', type: 'float', min: 0, max: 3600, default: 0.1,
    help: 'Seconds before re-forking a worker after its first consecutive crash; doubles per crash.',
  },
  restart_backoff_max: {
    group: 'launcher', type: 'float', min: 0, max: 3600, default: 30,
    help: 'Longest wait between re-forks of a crashing worker, in seconds.',
  },
  restart_max_failures: {
    group: 'launcher', type: 'int', min: 1, max: 1_000_000, default: 5,
    help: 'Consecutive failed worker starts after which the launcher gives up and exits 1.',
  },
  restart_reset_after: {
    group: 'launcher', type: 'float', min: 0, max: 86_400, default: 1,
    help: "Seconds a ready worker must stay up for its death not to count as a failed start (pm2's min_uptime).",
  },
  prefork_spare: {
    group: 'launcher', type: 'bool', default: true,
    help: 'Keep one loaded idle worker so a dead or reloaded worker is replaced in milliseconds (one extra process).',
  },
  max_memory_restart: {
    group: 'launcher', type: 'int', min: 0, max: 1_048_576, default: 0,
    help: "MiB of RSS a worker may keep (sampled every second, 3 samples in a row) before it is replaced, new one first (pm2's name; 0 = off).",
  },
  worker_start_timeout: {
    group: 'launcher', type: 'float', min: 0.1, max: 3600, default: 30,
    help: 'Seconds a new worker has to report ready before it counts as a failed start.',
  },

  // ---- [wsgi]: the HTTP server on the shared socket ----
  host: {
    group: 'wsgi', type: 'string', default: '0.0.0.0',
    help: 'Address the launcher binds the shared listening socket to.',
  },
  port: {
    group: 'wsgi', type: 'int', min: 0, max: 65_535, default: 8080,
    help: 'TCP port of the shared listening socket (0 = a free port, logged at start).',
  },
  backlog: {
    group: 'wsgi', type: 'int', min: 1, max: 65_535, default: 128,
    help: 'Listen backlog of the shared socket.',
  },
  keep_alive: {
    group: 'wsgi', type: 'bool', default: true,
    help: 'HTTP keep-alive; off closes every connection after its response.',
  },
  client_socket_timeout: {
    group: 'wsgi', type: 'int', min: 0, max: 86_400, default: 900,
    help: 'Seconds an idle or stalled client socket may stay open (0 = no limit).',
  },
  header_timeout: {
    group: 'wsgi', type: 'int', min: 1, max: 86_400, default: 60,
    help: 'Seconds a request head may take from its first byte; past it 408 and the connection closes (slowloris).',
  },
  request_timeout: {
    group: 'wsgi', type: 'int', min: 0, max: 86_400, default: 300,
    help: 'Seconds a whole request (head and body) may take to arrive; past it 408 and the connection closes, freeing its slot. 0 = none (unsafe: a slow body holds a pool slot forever).',
  },
  max_connections: {
    group: 'wsgi', type: 'int', min: 1, max: 1_000_000, default: 1000,
    help: 'Most open client connections per worker; new ones beyond it are closed at once, the open ones keep being served.',
  },
  tcp_keepidle: {
    group: 'wsgi', type: 'int', min: 1, max: 86_400, default: 600,
    help: 'TCP keepalive idle time in seconds on accepted sockets.',
  },
  max_header_line: {
    group: 'wsgi', type: 'int', min: 256, max: 1 << 20, default: 16_384,
    help: 'Longest header line accepted, in bytes; longer ones get 431.',
  },
  max_url_len: {
    group: 'wsgi', type: 'int', min: 64, max: 1 << 20, default: 8192,
    help: 'Longest request target (URL) accepted, in bytes; longer ones get 414.',
  },
  default_pool_size: {
    group: 'wsgi', type: 'int', min: 1, max: 1_000_000, default: 100,
    help: 'Most requests in flight per worker; beyond it requests get 503 with Retry-After.',
  },
  access_log: {
    group: 'wsgi', type: 'bool', default: true,
    help: 'One log line per request.',
  },
  trusted_proxies: {
    group: 'wsgi', type: 'string', default: '',
    help: 'Comma-separated IP addresses of proxies whose X-Forwarded-For the access log believes (default: none; the peer address only).',
  },
  wsgi_log_format: {
    group: 'wsgi', type: 'string',
    default: '%(client_ip)s "%(request_line)s" status: %(status_code)s  len: %(body_length)s time: %(wall_seconds).7f',
    help: "Message of the access-log line, in oslo's wsgi_log_format syntax.",
  },
  ssl_cert_file: {
    group: 'wsgi', type: 'optional-string', default: undefined,
    help: 'PEM certificate; with ssl_key_file, serves HTTPS.',
  },
  ssl_key_file: {
    group: 'wsgi', type: 'optional-string', default: undefined,
    help: 'PEM private key of ssl_cert_file.',
  },
  ssl_ca_file: {
    group: 'wsgi', type: 'optional-string', default: undefined,
    help: 'PEM CA bundle; when set, clients must present a certificate it signed (mTLS).',
  },
  ssl_key_passphrase: {
    group: 'wsgi', type: 'optional-string', default: undefined, secret: true,
    help: 'Passphrase of an encrypted ssl_key_file (secret: give it in a config file or the environment).',
  },
  // oslo.service's [ssl] version and ciphers, for the HTTPS server; flat names get an ssl_ prefix.
  ssl_version: {
    group: 'ssl', ini: 'version', type: 'string', default: '',
    help: 'Pin the HTTPS protocol version: TLSv1, TLSv1_1, TLSv1_2, or SSLv23/unset to negotiate (node: TLS 1.2 or 1.3).',
  },
  ssl_ciphers: {
    group: 'ssl', ini: 'ciphers', type: 'string', default: '',
    help: "OpenSSL cipher list for HTTPS (TLS 1.2 and older; unset: node's default list).",
  },

  // ---- [oslo_messaging_rabbit] ----
  amqp_durable_queues: {
    group: 'oslo_messaging_rabbit', type: 'bool', default: false,
    help: 'Durable control exchange and topic queues.',
  },
  amqp_auto_delete: {
    group: 'oslo_messaging_rabbit', type: 'bool', default: false,
    help: 'Auto-delete control exchange and topic queues.',
  },
  rabbit_transient_queues_ttl: {
    group: 'oslo_messaging_rabbit', type: 'int', min: 0, max: 86_400 * 30, default: 1800,
    help: 'Seconds of x-expires on reply and fanout queues (0 = none); with rabbit_stream_fanout, the stream\'s x-max-age.',
  },
  rabbit_qos_prefetch_count: {
    group: 'oslo_messaging_rabbit', type: 'int', min: 0, max: 65_535, default: 128,
    help: 'basic.qos prefetch of the consumer channel (oslo: 0 = unlimited; ours bounds memory).',
  },
  rabbit_retry_interval: {
    group: 'oslo_messaging_rabbit', type: 'float', min: 0.01, max: 3600, default: 1,
    help: 'Seconds before the first reconnect attempt.',
  },
  rabbit_retry_backoff: {
    group: 'oslo_messaging_rabbit', type: 'float', min: 0, max: 3600, default: 2,
    help: 'Seconds added to the reconnect interval after each failed attempt.',
  },
  rabbit_interval_max: {
    group: 'oslo_messaging_rabbit', type: 'float', min: 0.01, max: 3600, default: 30,
    help: 'Longest wait between reconnect attempts, in seconds.',
  },
  heartbeat_timeout_threshold: {
    group: 'oslo_messaging_rabbit', type: 'int', min: 0, max: 3600, default: 60,
    help: 'AMQP heartbeat timeout in seconds offered to the broker (0 = off).',
  },
  kombu_missing_consumer_retry_timeout: {
    group: 'oslo_messaging_rabbit', type: 'int', min: 0, max: 3600, default: 60,
    help: 'Seconds a reply keeps retrying a reply queue that is missing.',
  },
  rpc_cast_timeout: {
    group: 'oslo_messaging_rabbit', type: 'float', min: 0.001, max: 86_400, default: 60,
    help: 'Seconds a cast waits for the broker and for a queue bound to its topic before it fails (fanout casts never wait for a queue).',
  },
  rabbit_ha_queues: {
    group: 'oslo_messaging_rabbit', type: 'bool', default: false,
    help: 'Declare queues with x-ha-policy: all.',
  },
  rabbit_quorum_queue: {
    group: 'oslo_messaging_rabbit', type: 'bool', default: false,
    help: 'Topic queues become quorum queues (durable).',
  },
  heartbeat_rate: {
    group: 'oslo_messaging_rabbit', type: 'int', min: 1, max: 1000, default: 3,
    help: 'How many times per heartbeat_timeout_threshold the broker connection is checked for missed heartbeats.',
  },
  kombu_failover_strategy: {
    group: 'oslo_messaging_rabbit', type: 'string', choices: ['round-robin', 'shuffle'], default: 'round-robin',
    help: 'Order of the transport_url hosts tried after a connection loss: round-robin or shuffle.',
  },
  kombu_reconnect_delay: {
    group: 'oslo_messaging_rabbit', type: 'float', min: 0, max: 4.5, default: 1,
    help: 'Seconds to wait (with jitter) before reconnecting after a connection loss.',
  },
  kombu_reconnect_splay: {
    group: 'oslo_messaging_rabbit', type: 'float', min: 0, max: 3600, default: 0,
    help: 'Extra random 0..N seconds added to each reconnect wait.',
  },
  rabbit_login_method: {
    group: 'oslo_messaging_rabbit', type: 'string', choices: ['AMQPLAIN', 'PLAIN', 'EXTERNAL'], default: 'AMQPLAIN',
    help: 'SASL login: AMQPLAIN, PLAIN, or EXTERNAL (the TLS client certificate names the user).',
  },
  // oslo's [oslo_messaging_rabbit] ssl* names; `ini` keeps them in the file while the flat
  // CLI/env names get a rabbit_ prefix ([wsgi] ssl_cert_file is the HTTPS one).
  rabbit_ssl: {
    group: 'oslo_messaging_rabbit', ini: 'ssl', type: 'bool', default: false,
    help: 'Connect to the broker over TLS (also implied by amqps:// and rabbit+ssl:// URLs).',
  },
  rabbit_ssl_version: {
    group: 'oslo_messaging_rabbit', ini: 'ssl_version', type: 'string', default: '',
    help: 'Pin the TLS version: TLSv1, TLSv1_1, TLSv1_2 or SSLv23 (= negotiate); empty = negotiate.',
  },
  rabbit_ssl_ca_file: {
    group: 'oslo_messaging_rabbit', ini: 'ssl_ca_file', type: 'string', default: '',
    help: "PEM CA bundle the broker's certificate must chain to (empty: the system CAs).",
  },
  rabbit_ssl_cert_file: {
    group: 'oslo_messaging_rabbit', ini: 'ssl_cert_file', type: 'string', default: '',
    help: 'PEM client certificate presented to the broker (needed for EXTERNAL login).',
  },
  rabbit_ssl_key_file: {
    group: 'oslo_messaging_rabbit', ini: 'ssl_key_file', type: 'string', default: '',
    help: 'PEM private key of ssl_cert_file.',
  },
  rabbit_ssl_enforce_hostname_verification: {
    group: 'oslo_messaging_rabbit', ini: 'ssl_enforce_hostname_verification', type: 'bool', default: false,
    help: "Check the broker's certificate names the host connected to also with ssl_ca_file (always checked with the system CAs).",
  },
  // oslo.messaging 16.1's queue types (quorum, stream, queue manager): rabbit-queue-options.ts
  ...RABBIT_QUEUE_OPTIONS,

  // ---- [oslo_messaging_notifications] (INI keys: driver, transport_url, topics, retry) ----
  notification_driver: {
    group: 'oslo_messaging_notifications', ini: 'driver', type: 'list', multi: true,
    choices: ['messagingv2', 'messaging', 'log', 'noop'], default: [],
    help: 'Notification drivers, comma-separated: messagingv2, messaging (1.0, no envelope), log, noop. Empty: notifications are off.',
  },
  notification_transport_url: {
    group: 'oslo_messaging_notifications', ini: 'transport_url', type: 'optional-string', default: undefined, secret: true,
    help: 'Transport URL for notifications (default: the RPC transport_url, or the embedded transport).',
  },
  notification_topics: {
    group: 'oslo_messaging_notifications', ini: 'topics', type: 'list', default: ['notifications'],
    help: 'AMQP topics notifications are sent on (routing key TOPIC.PRIORITY), comma-separated.',
  },
  notification_retry: {
    group: 'oslo_messaging_notifications', ini: 'retry', type: 'int', min: -1, max: 1_000_000, default: -1,
    help: 'Attempts to re-send a notification after a recoverable error (0 = none, -1 = forever).',
  },
  // ---- [upgrade_levels]: TOPIC = auto | VERSION (upgrade-levels-option.ts) ----
  ...UPGRADE_LEVELS_OPTIONS,
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** The validated, frozen configuration: one typed field per option. */
export type Config = { readonly [K in OptionName]: OptionValue<(typeof OPTIONS)[K]> };
