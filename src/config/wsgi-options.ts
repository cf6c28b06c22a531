/**
 * The [wsgi] options of the HTTP server on the shared socket (address, limits, timeouts, access
 * log, TLS files) and oslo.service's [ssl] version and ciphers. Part of the option table
 * (options.ts), in its order.
 */
import type { OptionSpec } from './option-types.js';

export const WSGI_OPTIONS = {
  host: {
    group: 'wsgi',
    type: 'string',
    default: '0.0.0.0',
    help: 'Address the launcher binds the shared listening socket to.',
  },
  port: {
    group: 'wsgi',
    type: 'int',
    min: 0,
    max: 65_535,
    default: 8080,
    help: 'TCP port of the shared listening socket (0 = a free port, logged at start).',
  },
  backlog: {
    group: 'wsgi',
    type: 'int',
    min: 1,
    max: 65_535,
    default: 128,
    help: 'Listen backlog of the shared socket.',
  },
  keep_alive: {
    group: 'wsgi',
    type: 'bool',
    default: true,
    help: 'HTTP keep-alive; off closes every connection after its response.',
  },
  client_socket_timeout: {
    group: 'wsgi',
    type: 'int',
    min: 0,
    max: 86_400,
    default: 900,
    help: 'Seconds an idle or stalled client socket may stay open (0 = no limit).',
  },
  header_timeout: {
    group: 'wsgi',
    type: 'int',
    min: 1,
    max: 86_400,
    default: 60,
    help: 'Seconds a request head may take from its first byte; past it 408 and the connection closes (slowloris).',
  },
  request_timeout: {
    group: 'wsgi',
    type: 'int',
    min: 0,
    max: 86_400,
    default: 300,
    help: 'Seconds a whole request (head and body) may take to arrive; past it 408 and the connection closes, freeing its slot. 0 = none (unsafe: a slow body holds a pool slot forever).',
  },
  max_connections: {
    group: 'wsgi',
    type: 'int',
    min: 1,
    max: 1_000_000,
    default: 1000,
    help: 'Most open client connections per worker; new ones beyond it are closed at once, the open ones keep being served.',
  },
  tcp_keepidle: {
    group: 'wsgi',
    type: 'int',
    min: 1,
    max: 86_400,
    default: 600,
    help: 'TCP keepalive idle time in seconds on accepted sockets.',
  },
  max_header_line: {
    group: 'wsgi',
    type: 'int',
    min: 256,
    max: 1 << 20,
    default: 16_384,
    help: 'Longest header line accepted, in bytes; longer ones get 431.',
  },
  max_url_len: {
    group: 'wsgi',
    type: 'int',
    min: 64,
    max: 1 << 20,
    default: 8192,
    help: 'Longest request target (URL) accepted, in bytes; longer ones get 414.',
  },
  default_pool_size: {
    group: 'wsgi',
    type: 'int',
    min: 1,
    max: 1_000_000,
    default: 100,
    help: 'Most requests in flight per worker; beyond it requests get 503 with Retry-After.',
  },
  access_log: {
    group: 'wsgi',
    type: 'bool',
    default: true,
    help: 'One log line per request.',
  },
  trusted_proxies: {
    group: 'wsgi',
    type: 'string',
    default: '',
    help: 'Comma-separated IP addresses of proxies whose X-Forwarded-For the access log believes (default: none; the peer address only).',
  },
  wsgi_log_format: {
    group: 'wsgi',
    type: 'string',
    default: '%(client_ip)s "%(request_line)s" status: %(status_code)s  len: %(body_length)s time: %(wall_seconds).7f',
    help: "Message of the access-log line, in oslo's wsgi_log_format syntax.",
  },
  ssl_cert_file: {
    group: 'wsgi',
    type: 'optional-string',
    default: undefined,
    help: 'PEM certificate; with ssl_key_file, serves HTTPS.',
  },
  ssl_key_file: {
    group: 'wsgi',
    type: 'optional-string',
    default: undefined,
    help: 'PEM private key of ssl_cert_file.',
  },
  ssl_ca_file: {
    group: 'wsgi',
    type: 'optional-string',
    default: undefined,
    help: 'PEM CA bundle; when set, clients must present a certificate it signed (mTLS).',
  },
  ssl_key_passphrase: {
    group: 'wsgi',
    type: 'optional-string',
    default: undefined,
    secret: true,
    help: 'Passphrase of an encrypted ssl_key_file (secret: give it in a config file or the environment).',
  },
  // oslo.service's [ssl] version and ciphers, for the HTTPS server; flat names get an ssl_ prefix.
  ssl_version: {
    group: 'ssl',
    ini: 'version',
    type: 'string',
    default: '',
    help: 'Pin the HTTPS protocol version: TLSv1, TLSv1_1, TLSv1_2, or SSLv23/unset to negotiate (node: TLS 1.2 or 1.3).',
  },
  ssl_ciphers: {
    group: 'ssl',
    ini: 'ciphers',
    type: 'string',
    default: '',
    help: "OpenSSL cipher list for HTTPS (TLS 1.2 and older; unset: node's default list).",
  },
} as const satisfies Record<string, OptionSpec>;
