/**
 * HttpService: the HTTP(S) server of one worker, fed with connections the launcher accepted
 * (the server itself never listens), with oslo's `[wsgi]` behaviour and a graceful drain.
 */
import { ms } from '../config/durations.js';
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Config } from '../config/options.js';
import { requestDataLogger, type Logger } from '../logging/logger.js';
import { AccessLog } from './access-log.js';
import { answerClientError } from './client-error.js';
import type { ConnectionTracker, HandBack } from './connection-tracker.js';
import { requestLimits } from './limits.js';
import { HttpRequestHandler } from './request-handler.js';
import { loadTlsOptions } from './tls.js';
import { parseTrustedProxies } from './trusted-proxies.js';
import type { Lifecycle, LifecycleState, StopOptions } from '../lifecycle/lifecycle.js';
import { TIMED_OUT, isBounded, withTimeout } from '../lifecycle/with-timeout.js';
import type { HttpObserver } from '../metrics/observers.js';

export interface HttpServiceOptions {
  config: Config;
  logger: Logger;
  /** The app: any node request listener (see app-loader.ts). */
  app: RequestListener;
  /** Told of every answered request (framework metrics, `metrics_enabled`). */
  metrics?: HttpObserver;
}

/** A graceful stop; a reload's drain also keeps idle connections a while and may hand them back. */
export interface HttpStopOptions extends StopOptions {
  readonly idleGraceMs?: number;
  readonly handBack?: HandBack;
}

export interface HttpServiceStats {
  /** Requests received since start (refused ones included). */
  requests: number;
  /** Requests whose response has not closed yet. */
  inFlight: number;
  /** Open client connections. */
  connections: number;
  /** Connections destroyed because the graceful stop ran out of time. */
  cut: number;
  /** Idle keep-alive connections given back to the launcher during a reload's drain. */
  handedBack: number;
  /** Connections closed unread because max_connections were open. */
  refused: number;
}

/** TLS handshakes longer than this are cut even when client_socket_timeout is 0 or larger (node's default). */
const HANDSHAKE_TIMEOUT_MAX_MS = 120_000;

/**
 * Serves HTTP (or HTTPS when ssl_cert_file/ssl_key_file are set) on sockets handed to
 * {@link HttpService.handleConnection}. Lifecycle: start() once, handleConnection() per socket,
 * stop() to drain. See docs/http.md for each option's effect.
 */
export class HttpService implements Lifecycle {
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #handler: HttpRequestHandler;
  readonly #tracker: ConnectionTracker;
  #server: HttpServer | undefined;
  #tls = false;
  #state: LifecycleState = 'new';
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #cut = 0;
  #refused = 0;
  #refusedLoggedAt = -Infinity;

  /** @throws ConfigError when wsgi_log_format is invalid (access_log on). */
  constructor(options: HttpServiceOptions) {
    const { config, logger, app, metrics } = options;
    this.#config = config;
    this.#logger = logger;
    this.#handler = new HttpRequestHandler({
      app,
      logger,
      limits: requestLimits(config),
      keepAlive: config.keep_alive,
      accessLog: config.access_log
        ? new AccessLog({
            logger: requestDataLogger(logger, { component: 'access' }),
            format: config.wsgi_log_format,
            trusted: parseTrustedProxies(config.trusted_proxies),
          })
        : undefined,
      observer: metrics,
    });
    this.#tracker = this.#handler.tracker;
  }

  /** Where this part is in its lifecycle. */
  get state(): LifecycleState {
    return this.#state;
  }

  get stats(): HttpServiceStats {
    return {
      requests: this.#handler.requests,
      inFlight: this.#handler.inFlight,
      connections: this.#tracker.size,
      cut: this.#cut,
      handedBack: this.#tracker.handedBack,
      refused: this.#refused,
    };
  }

  /**
   * Build the server. Idempotent: every caller gets the same promise.
   * @throws ConfigError (ERR_HTTP_TLS) when the TLS files are missing or invalid.
   */
  start(): Promise<void> {
    this.#starting ??= Promise.resolve().then(() => this.#start());
    return this.#starting;
  }

  /**
   * Serve one accepted connection (paused or flowing). Before start() finished, or once stop()
   * began, the socket is refused: ended at once, then destroyed.
   */
  handleConnection(socket: Socket): void {
    const server = this.#server;
    if (this.#state !== 'running' || !server) {
      refuseSocket(socket);
      return;
    }
    // The client may have gone while the socket travelled here: it would never emit 'close' again.
    if (socket.destroyed) return;
    // max_connections: a new connection beyond it is closed unread; the open ones are untouched.
    if (this.#tracker.size >= this.#config.max_connections) {
      this.#refused++;
      this.#warnRefused();
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, ms(this.#config, 'tcp_keepidle'));
    this.#tracker.add(socket, this.#tls);
    server.emit('connection', socket);
    // A TLSSocket drives reads itself; a plain socket from pauseOnConnect must be resumed.
    if (!this.#tls) socket.resume();
  }

  /**
   * Graceful stop: no new connections from the first moment, idle keep-alive connections
   * destroyed at once, requests in flight finish and are answered with `Connection: close`;
   * resolves when every connection has closed. After `timeoutMs` what is left is destroyed,
   * logged, and counted in `stats.cut` (0 or unset: no bound, see src/lifecycle). With
   * `idleGraceMs` (a rolling restart) idle connections are kept until each has been quiet that
   * long, then given to `handBack` if set (see ConnectionTracker.drain).
   * Idempotent: every caller gets the same promise.
   */
  stop(options: HttpStopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.timeoutMs ?? 0, options.idleGraceMs ?? 0, options.handBack);
    return this.#stopping;
  }

  #start(): void {
    if (this.#state !== 'new') return;
    const config = this.#config;
    const timeoutMs = ms(config, 'client_socket_timeout');
    const tls = loadTlsOptions(config);
    const common = {
      maxHeaderSize: requestLimits(config).maxHeaderTotal,
      // From a request's first byte: its head within header_timeout, head and body within
      // request_timeout, else node raises ERR_HTTP_REQUEST_TIMEOUT, answered 408 + close by
      // answerClientError; closing the connection frees its pool slot (slow bodies, slowloris).
      headersTimeout: ms(config, 'header_timeout'),
      requestTimeout: ms(config, 'request_timeout'),
      connectionsCheckingInterval: Math.max(50, Math.min(1000, config.header_timeout * 250)),
      // Idle keep-alive connections are bounded by client_socket_timeout (below).
      keepAliveTimeout: 0,
    };
    const server: HttpServer = tls
      ? createHttpsServer(
          { ...common, ...tls, handshakeTimeout: Math.min(timeoutMs || HANDSHAKE_TIMEOUT_MAX_MS, HANDSHAKE_TIMEOUT_MAX_MS) },
          this.#handler.listener,
        )
      : createHttpServer(common, this.#handler.listener);
    if (tls) {
      server.prependListener('secureConnection', (tlsSocket: Socket) => this.#tracker.secured(tlsSocket));
      server.on('tlsClientError', (error: Error, tlsSocket: Socket) => {
        this.#logger.debug({ err: error, remote: tlsSocket.remoteAddress }, 'TLS handshake failed');
        tlsSocket.destroy();
      });
    }
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      answerClientError(error, socket, this.#tracker.responsesOn(socket), this.#logger);
    });
    if (timeoutMs > 0) {
      server.setTimeout(timeoutMs);
      server.on('timeout', (socket: Socket) => this.#onSocketTimeout(socket));
      this.#sweep = setInterval(() => this.#tracker.sweep(timeoutMs), Math.min(1000, Math.max(50, timeoutMs / 4)));
      this.#sweep.unref();
    }
    // Node starts the checks of headersTimeout/requestTimeout when a server emits 'listening'.
    // This one never listens (the launcher hands it sockets), so it says so itself.
    server.emit('listening');
    this.#server = server;
    this.#tls = tls !== undefined;
    this.#state = 'running';
    this.#logger.debug({ tls: this.#tls }, 'HTTP service started');
  }

  /** One warning a second at most while connections are refused: a flood must not flood the log. */
  #warnRefused(): void {
    const now = performance.now();
    if (now - this.#refusedLoggedAt < 1000) return;
    this.#refusedLoggedAt = now;
    this.#logger.warn(
      { maxConnections: this.#config.max_connections, refused: this.#refused },
      'max_connections reached: new connections are closed',
    );
  }

  /**
   * client_socket_timeout passed with no I/O. Idle, or the client stopped reading our response
   * or sending its body: close. A request the app is still working on: keep (eventlet's timeout
   * also only bounds socket operations); the timer re-arms with the next write.
   */
  #onSocketTimeout(socket: Socket): void {
    const responses = this.#tracker.responsesOn(socket);
    const stalled = responses.length === 0 || socket.writableLength > 0 || responses.some((res) => !res.req.complete);
    if (stalled) socket.destroy();
  }

  async #stop(timeoutMs: number, idleGraceMs: number, handBack: HandBack | undefined): Promise<void> {
    // A start() still in its microtask finishes first; from then on this runs without a pause
    // until the drain has begun, so no connection slips in.
    if (this.#state === 'new' && this.#starting) await this.#starting.catch(() => undefined);
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopping';
    const started = performance.now();
    this.#handler.drain();
    const drained = this.#tracker.drain(isBounded(timeoutMs) ? Math.min(idleGraceMs, timeoutMs / 2) : idleGraceMs, handBack);
    if ((await withTimeout(drained, timeoutMs)) === TIMED_OUT) {
      const inFlight = this.#handler.inFlight;
      const { connections, busy } = this.#tracker.destroyAll();
      this.#cut += connections;
      this.#logger.warn(
        { connections, busy, inFlight, timeoutMs },
        `HTTP drain timed out after ${timeoutMs} ms: destroyed ${connections} connections (${busy} with requests in flight)`,
      );
      await drained;
    }
    clearInterval(this.#sweep);
    this.#state = 'stopped';
    this.#logger.info(
      { durationMs: Math.round(performance.now() - started), cut: this.#cut, handedBack: this.#tracker.handedBack },
      'HTTP service stopped',
    );
  }
}

/** End a socket we will not serve; destroy it once the FIN is out (or at once if it errors). */
function refuseSocket(socket: Socket): void {
  socket.on('error', () => socket.destroy());
  socket.end(() => socket.destroy());
}
