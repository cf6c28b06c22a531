/**
 * The connection manager: connects to the first reachable broker of the transport URL, opens the
 * session's channels, runs every registered resumer (declare + consume) and only then reports
 * 'connected'. On loss it reports 'disconnected', logs the outage and reconnects, over the
 * hosts in kombu_failover_strategy's order with oslo's backoff plus jitter (failover.ts), until
 * it is stopped.
 */
import { EventEmitter } from 'node:events';
import { basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, credentials, type ChannelModel } from 'amqplib';
import type { Logger } from '../../../logging/logger.js';
import { ClosedError } from '../../../errors.js';
import { redactUrlPasswords } from '../../../logging/redact.js';
import { describeRefusal, haQueuesWarning, isDeclareRefusal, isLoginRefusal } from './advice.js';
import { coalesceFrameWrites } from '../../../internals/amqplib-muxer.js';
import { BrokerConnectError, BrokerDeclareError, BrokerTlsError, BrokerUnavailable } from './errors.js';
import { HostCycle, reconnectWaitMs } from './failover.js';
import { watchHeartbeats } from '../../../internals/heartbeat-watch.js';
import { Publisher } from './publisher.js';
import { closeModel, Session } from './session.js';
import type { AmqpSettings } from './settings.js';
import { brokerNameUnchecked, describeTlsFailure, tlsConnectOptions } from './tls.js';
import { describeHost, type BrokerHost, type TransportUrl } from './url.js';

/** Declares and consumes on a fresh session; runs after every (re)connect, in registration order. */
export type Resumer = (session: Session) => Promise<void>;

/** How long opening one socket + AMQP handshake may take. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Tries of one declaration that failed without a refusal (the connection dropped under it). */
const DECLARE_ATTEMPTS = 5;

/** Text of an error for a log line, with URL passwords hidden. */
export function errorText(error: unknown): string {
  return redactUrlPasswords(error instanceof Error ? error.message : String(error));
}

/** A failed start attempt, as the 'retrying' event reports it. */
export interface StartRetry {
  /** The broker tried (host:port, no credentials). */
  readonly broker: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Wait before the next attempt (ms, jittered). */
  readonly nextDelayMs: number;
  /** How long the next attempt itself may take (a broker still booting may be slow to answer). */
  readonly attemptTimeoutMs: number;
  readonly reason: string;
}

export interface AmqpConnectionOptions {
  readonly url: TransportUrl;
  readonly settings: AmqpSettings;
  readonly logger: Logger;
  /** Keep retrying a start that cannot reach any broker (default true); false: one round. */
  readonly retryStart?: boolean;
}

/**
 * Owns the live Session and replaces it after a loss. Events: 'connected', 'disconnected'
 * (error), 'retrying' (StartRetry: a start attempt failed and another follows).
 */
export class AmqpConnection extends EventEmitter {
  readonly #url: TransportUrl;
  readonly #settings: AmqpSettings;
  readonly #logger: Logger;
  readonly #resumers = new Set<Resumer>();
  readonly #connectionName = `${basename(process.argv[1] ?? process.argv0)}:${process.pid}:${randomUUID()}`;
  readonly #stopSignal = new AbortController();
  #session: Session | undefined;
  #generation = 0;
  readonly #hosts: HostCycle<BrokerHost>;
  #reconnecting: Promise<void> | undefined;
  #stopped = false;
  #warnedHaQueues = false;
  /** Publishes waiting for a reconnect (waitConnected), by their 'connected' listener. */
  readonly #waiters = new Map<() => void, (error?: Error) => void>();

  /** Keep trying at start until the broker answers (oslo); false: one round over the hosts. */
  readonly #retryStart: boolean;

  constructor({ url, settings, logger, retryStart }: AmqpConnectionOptions) {
    super();
    this.#retryStart = retryStart ?? true;
    // Every publish waiting through an outage listens for 'connected' once: not a leak.
    this.setMaxListeners(0);
    this.#url = url;
    this.#settings = settings;
    this.#logger = logger;
    this.#hosts = new HostCycle(url.hosts, { strategy: settings.failoverStrategy });
  }

  /** The live session, if connected. */
  get session(): Session | undefined {
    return this.#session?.alive ? this.#session : undefined;
  }

  /** The AMQP connection_name client property (oslo's "<argv0>:<pid>:<uuid4>"). */
  get connectionName(): string {
    return this.#connectionName;
  }

  /**
   * Connect. A broker that is not there is retried with oslo's backoff (rabbit_retry_interval,
   * + rabbit_retry_backoff per round over the hosts, at most rabbit_interval_max, jittered),
   * each attempt logged with the host, the attempt and the next delay, until it answers or
   * stop() (ClosedError); with retryStart false, one round over the hosts, then
   * BrokerConnectError. A broker that answers and refuses (credentials, vhost, TLS) is not
   * retried: BrokerConnectError with `permanent`.
   */
  async start(): Promise<void> {
    const usesTls = this.#settings.tls.enabled || this.#url.hosts.some((host) => host.tls);
    if (usesTls && brokerNameUnchecked(this.#settings.tls)) {
      this.#logger.warn(
        { option: 'rabbit_ssl_enforce_hostname_verification' },
        "TLS to the broker does not check the broker's name: any certificate ssl_ca_file's CA signed is accepted for any host; set ssl_enforce_hostname_verification = true",
      );
    }
    const reasons: string[] = [];
    let lastError: unknown;
    for (let attempt = 0; !this.#stopped; attempt++) {
      if (!this.#retryStart && attempt === this.#hosts.size) break;
      try {
        await this.#open();
        if (attempt > 0) this.#logger.info({ attempts: attempt + 1 }, 'the AMQP broker answered; connected');
        return;
      } catch (error) {
        if (error instanceof BrokerConnectError && error.permanent) throw error;
        lastError = error;
        const reason = errorText(error);
        reasons.push(reason);
        const last = !this.#retryStart && attempt + 1 === this.#hosts.size;
        const nextDelayMs = last ? 0 : Math.round(reconnectWaitMs(this.#settings, attempt + 1, this.#hosts.size));
        const retry: StartRetry = {
          broker: error instanceof BrokerConnectError ? error.broker : 'the broker',
          attempt: attempt + 1,
          nextDelayMs,
          attemptTimeoutMs: CONNECT_TIMEOUT_MS,
          reason,
        };
        this.#logger.warn(
          { broker: retry.broker, attempt: retry.attempt, nextDelayMs, err: reason },
          last ? 'cannot connect to the AMQP broker' : 'cannot connect to the AMQP broker; retrying',
        );
        if (last) break;
        this.emit('retrying', retry);
        try {
          await sleep(nextDelayMs, undefined, { signal: this.#stopSignal.signal });
        } catch {
          break;
        }
      }
    }
    if (this.#stopped) throw new ClosedError('AMQP transport');
    // Every host refusing our TLS is a configuration problem, not an outage.
    const Failure = lastError instanceof BrokerTlsError ? BrokerTlsError : BrokerConnectError;
    throw new Failure(`cannot connect to the AMQP broker: ${reasons.join('; ')}`, { cause: lastError });
  }

  /** Register a resumer and run it now when connected; the returned function unregisters it. */
  async addResumer(resumer: Resumer): Promise<() => void> {
    // A reconnect may run the resumer before we do: run it at most once per session.
    const runs = new WeakMap<Session, Promise<void>>();
    const once: Resumer = (session) => {
      let run = runs.get(session);
      if (!run) runs.set(session, (run = resumer(session)));
      return run;
    };
    this.#resumers.add(once);
    const remove = (): void => void this.#resumers.delete(once);
    try {
      for (let attempt = 1; ; attempt++) {
        const session = await this.waitConnected(this.#settings.publishWaitMs);
        try {
          await once(session);
          return remove;
        } catch (error) {
          // amqplib rejects with "Channel closed"; the channel's or connection's error event has the broker's reason.
          const reason = session.brokerError ?? error;
          if (isDeclareRefusal(reason)) {
            throw new BrokerDeclareError(`the broker refused a declaration: ${describeRefusal(errorText(reason), this.#settings)}`, {
              cause: reason,
            });
          }
          if (attempt >= DECLARE_ATTEMPTS) {
            throw new BrokerUnavailable(`a declaration failed ${attempt} times without a refusal: ${errorText(reason)}`, { cause: reason });
          }
          // Not a refusal: the connection went away under it (or the broker timed out). The next
          // session runs every resumer afresh; close this one if it still stands.
          this.#logger.warn({ err: errorText(reason), attempt }, 'a declaration failed with the connection; retrying on a new one');
          if (session.alive) await session.close();
        }
      }
    } catch (error) {
      remove();
      throw error;
    }
  }

  /** The live session, waiting up to `timeoutMs` for a reconnect; BrokerUnavailable after that. */
  async waitConnected(timeoutMs: number): Promise<Session> {
    if (this.#stopped) throw new ClosedError('AMQP transport');
    const live = this.session;
    if (live) return live;
    // One plain waiter per call, removed when it settles: nothing accumulates on a long-lived
    // signal however many publishes wait through an outage.
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        this.#waiters.delete(onConnected);
        this.off('connected', onConnected);
        if (error) reject(error);
        else resolve();
      };
      const onConnected = (): void => settle();
      const timer = setTimeout(
        () => settle(new BrokerUnavailable(`not connected to the AMQP broker for ${timeoutMs} ms`)),
        Math.max(1, timeoutMs),
      );
      this.#waiters.set(onConnected, settle);
      this.on('connected', onConnected);
    });
    return this.waitConnected(timeoutMs);
  }

  /** Stop reconnecting and close the session. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stopSignal.abort();
    for (const settle of [...this.#waiters.values()]) settle(new ClosedError('AMQP transport'));
    await this.#reconnecting?.catch(() => undefined);
    const session = this.#session;
    this.#session = undefined;
    await session?.close();
  }

  async #open(): Promise<void> {
    const host = this.#hosts.next();
    const model = await this.#connect(host).catch((error: unknown) => {
      const where = this.#tlsHost(host);
      // "Socket closed abruptly during opening handshake" is a broker still booting, not TLS.
      const tls = where.tls ? describeTlsFailure(error) : undefined;
      const text = errorText(error);
      // A refused certificate (either side) is a configuration problem, as a refused login is.
      const Failure = tls ? BrokerTlsError : BrokerConnectError;
      throw new Failure(`${describeHost(where)}: ${tls ?? text}`, {
        cause: error,
        broker: describeHost(where),
        permanent: tls !== undefined || isLoginRefusal(text),
      });
    });
    if (!coalesceFrameWrites(model)) this.#logger.debug('amqplib internals changed: AMQP frames are written one by one');
    let session: Session | undefined;
    try {
      model.on('error', (error: unknown) => this.#logger.debug({ err: errorText(error) }, 'AMQP connection error'));
      model.on('blocked', (reason: string) => this.#logger.warn({ reason }, 'the broker blocked publishing'));
      model.on('unblocked', () => this.#logger.info('the broker unblocked publishing'));
      if (!watchHeartbeats(model, this.#settings.heartbeatRate) && this.#settings.heartbeatSeconds > 0)
        this.#logger.debug('amqplib internals changed: heartbeats checked once per period');
      const consumer = await model.createChannel();
      consumer.on('error', (error: unknown) => this.#logger.warn({ err: errorText(error) }, 'AMQP consumer channel error'));
      const confirm = await model.createConfirmChannel();
      confirm.on('error', (error: unknown) => this.#logger.warn({ err: errorText(error) }, 'AMQP publisher channel error'));
      if (this.#settings.prefetch > 0) await consumer.prefetch(this.#settings.prefetch);
      const current = new Session({ generation: ++this.#generation, model, consumer, publisher: new Publisher(confirm) });
      session = current;
      model.on('close', (error?: unknown) => this.#lost(current, error));
      // Consumers are gone with their channel: a dead consumer channel means a new session.
      consumer.on('close', () => void current.close());
      // Servers first: this process's own queues are declared and consumed before the session
      // is live, so the publishes it held through an outage (waitConnected) find them.
      for (const resumer of [...this.#resumers]) await resumer(current);
      if (!current.alive) throw new BrokerUnavailable('the connection closed while declaring consumers');
      if (this.#stopped) throw new ClosedError('AMQP transport');
    } catch (error) {
      if (session) session.markDead();
      await closeModel(model);
      throw error;
    }
    this.#session = session;
    const server = model.connection.serverProperties as Record<string, unknown> | undefined;
    this.#logger.info(
      { broker: describeHost(this.#tlsHost(host)), version: server?.version, generation: session.generation },
      'connected to the AMQP broker',
    );
    const haWarning = this.#warnedHaQueues ? undefined : haQueuesWarning(this.#settings, server);
    if (haWarning) {
      this.#warnedHaQueues = true;
      this.#logger.warn({ option: 'rabbit_ha_queues' }, haWarning);
    }
    this.emit('connected');
  }

  /** The host with TLS on when the URL scheme or the ssl option asks for it. */
  #tlsHost(host: BrokerHost): BrokerHost {
    return host.tls || !this.#settings.tls.enabled ? host : { ...host, tls: true };
  }

  #credentials(host: BrokerHost): ReturnType<typeof credentials.plain> | ReturnType<typeof credentials.external> {
    switch (this.#settings.loginMethod) {
      case 'EXTERNAL':
        return credentials.external();
      case 'PLAIN':
        return credentials.plain(host.username, host.password);
      default:
        return credentials.amqplain(host.username, host.password);
    }
  }

  #connect(plainOrTls: BrokerHost): Promise<ChannelModel> {
    const host = this.#tlsHost(plainOrTls);
    return connect(
      {
        protocol: host.tls ? 'amqps' : 'amqp',
        hostname: host.hostname,
        port: host.port,
        username: host.username,
        password: host.password,
        vhost: this.#url.vhost,
        heartbeat: this.#settings.heartbeatSeconds,
      },
      {
        // amqplib leaves Nagle on: 45 calls/s instead of thousands at concurrency 1.
        noDelay: true,
        timeout: CONNECT_TIMEOUT_MS,
        credentials: this.#credentials(host),
        clientProperties: { connection_name: this.#connectionName },
        ...(host.tls && tlsConnectOptions(this.#settings.tls, host.hostname)),
      },
    );
  }

  #lost(session: Session, error: unknown): void {
    if (!session.markDead() || this.#session !== session) return;
    this.#session = undefined;
    if (this.#stopped) return;
    const reason = error === undefined ? 'connection closed' : errorText(error);
    // A warning: within the reconnect policy this is a blip. ERROR comes only once a bound
    // passes (#reconnectLoop), or from the publishes that fail.
    this.#logger.warn({ err: reason, generation: session.generation }, 'lost the AMQP broker connection; reconnecting');
    this.emit('disconnected', error instanceof Error ? error : new BrokerUnavailable(reason));
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#reconnecting || this.#stopped) return;
    this.#reconnecting = this.#reconnectLoop().finally(() => {
      this.#reconnecting = undefined;
      // The new session may have died before this loop ended: #lost saw a loop still running.
      if (!this.#stopped && !this.session) this.#scheduleReconnect();
    });
  }

  /**
   * Reconnect until connected or stopped. One WARN line when back ("AMQP connection back after
   * 6.3 s, 3 attempts"); one ERROR line when the outage outlasts rpc_response_timeout, the
   * longest a publish waits for a reconnect: from then on publishes fail.
   */
  async #reconnectLoop(): Promise<void> {
    const startedAt = Date.now();
    let passedBound = false;
    for (let attempt = 0; !this.#stopped; attempt++) {
      const delay = reconnectWaitMs(this.#settings, attempt, this.#hosts.size);
      try {
        await sleep(delay, undefined, { signal: this.#stopSignal.signal });
      } catch {
        return;
      }
      try {
        await this.#open();
        const outageMs = Date.now() - startedAt;
        const attempts = attempt + 1;
        this.#logger.warn(
          { attempts, outageMs },
          `AMQP connection back after ${(outageMs / 1000).toFixed(1)} s, ${attempts} attempt${attempts === 1 ? '' : 's'}`,
        );
        return;
      } catch (error) {
        const nextMs = Math.round(reconnectWaitMs(this.#settings, attempt + 1, this.#hosts.size, () => 1));
        this.#logger.warn({ err: errorText(error), attempt: attempt + 1, nextDelayMs: nextMs }, 'AMQP reconnect attempt failed');
        const outageMs = Date.now() - startedAt;
        if (!passedBound && outageMs >= this.#settings.publishWaitMs) {
          passedBound = true;
          this.#logger.error(
            { attempts: attempt + 1, outageMs, boundMs: this.#settings.publishWaitMs },
            `no AMQP connection for ${(outageMs / 1000).toFixed(1)} s, longer than rpc_response_timeout: publishes are failing; still reconnecting`,
          );
        }
      }
    }
  }
}
