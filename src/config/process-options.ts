/**
 * The [DEFAULT] options of the process (workers, logging, pid file, control socket, graceful
 * stop), the service's identity (host, binary, topic, manager, app) and its service group
 * ([database] connection included). Part of the option table (options.ts), in its order.
 */
import { availableParallelism, hostname } from 'node:os';
import type { OptionSpec } from './option-types.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const PROCESS_OPTIONS = {
  workers: {
    group: 'DEFAULT',
    type: 'int',
    min: 1,
    max: 512,
    default: () => availableParallelism(),
    help: 'Number of worker processes the launcher forks (default: available parallelism).',
  },
  log_level: {
    group: 'DEFAULT',
    type: 'string',
    choices: LOG_LEVELS,
    default: 'info',
    help: 'Lowest level written to the log (JSON lines on stdout).',
  },
  debug: {
    group: 'DEFAULT',
    type: 'bool',
    default: false,
    help: "Log at debug level whatever log_level says (oslo.log's debug; -d on the command line).",
  },
  log_format: {
    group: 'DEFAULT',
    type: 'string',
    choices: ['auto', 'json', 'pretty'],
    default: 'auto',
    help: 'Log lines: auto = pretty (one coloured line per event) when stdout is a terminal, JSON lines otherwise.',
  },
  pid_file: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    help: 'Write the launcher pid to this file; removed on exit. ctl.js --pid-file F picks this launcher.',
  },
  control_socket: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    help: 'Unix socket (mode 0600) of the launcher for ctl.js (default: control-<pid>.sock in the private folder of the embedded socket).',
  },
  reuse_port: {
    group: 'DEFAULT',
    type: 'bool',
    default: false,
    help: 'Bind the listening socket with SO_REUSEPORT (Node >= 22.12), so a second launcher can start on the port while this one drains (pm2 reload, blue/green). Without net.ipv4.tcp_migrate_req = 1 a stop may reset connections still queued in the kernel.',
  },
  graceful_shutdown_timeout: {
    group: 'DEFAULT',
    type: 'int',
    min: 0,
    max: 86_400,
    default: 60,
    help: 'Seconds a graceful stop may take before remaining workers are killed (0 = wait forever).',
  },
  service_host: {
    group: 'DEFAULT',
    type: 'string',
    default: () => hostname(),
    help: "Service identity in RPC targets and the service group (nova's [DEFAULT] host).",
  },
  binary: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    help: "Service binary name; the RPC topic defaults to it (default: from the manager's class name, InventoryManager -> inventory; the demo's is demo).",
  },
  topic: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    help: 'RPC topic of the service (default: the binary name).',
  },
  manager: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    help: 'Module whose default export is the Manager class (default: the demo manager).',
  },
  app: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    help: 'Module whose default export is a request listener or a factory (default: the demo app).',
  },
  admin_token: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    secret: true,
    help: 'Bearer token that enables state-changing admin routes of the demo app (off when unset).',
  },
  backdoor_socket: {
    group: 'DEFAULT',
    type: 'optional-string',
    default: undefined,
    help: 'Path of a per-worker REPL unix socket (mode 0600) in a folder private to this user; it must contain {pid}, replaced by the pid. Off when unset.',
  },
  report_interval: {
    group: 'DEFAULT',
    type: 'int',
    min: 0,
    max: 3600,
    default: 10,
    help: 'Seconds between service-group heartbeats (0 = no heartbeats).',
  },
  service_down_time: {
    group: 'DEFAULT',
    type: 'int',
    min: 1,
    max: 86_400,
    default: 60,
    help: 'A service is down when its last heartbeat is older than this many seconds.',
  },
  servicegroup_driver: {
    group: 'DEFAULT',
    type: 'string',
    choices: ['messaging', 'db'],
    default: 'messaging',
    help: 'Where the service group lives: messaging (fanout casts, memory only) or db ([database] connection). See docs/servicegroup.md.',
  },
  connection: {
    group: 'database',
    type: 'optional-string',
    default: undefined,
    secret: true,
    help: 'postgresql://user:pass@host:port/dbname of the services table (servicegroup_driver = db).',
  },
} as const satisfies Record<string, OptionSpec>;
