/**
 * nova.service.Service for one worker: the manager, its RPC server on `topic` and
 * `topic.host`, the service-group membership, and the periodic tasks with their pool.
 *
 * start(): check the periodic tasks' pool modules exist → initHost → register the service record
 *          → preStartHook → RPC server → postStartHook → join the service group (heartbeats)
 *          → periodic tasks (random initial delay).
 * stop():  the reverse, each step bounded; a failing cleanupHost is logged, not fatal.
 */
import { ms, renamedOption, secondsToMs } from '../config/durations.js';
import type { Config } from '../config/options.js';
import { binaryFromManager } from '../config/service-names.js';
import type { Logger } from '../logging/logger.js';
import { collectPeriodicTasks } from '../periodic/periodic-task.js';
import { TaskPool } from '../periodic/pool.js';
import { PeriodicScheduler, type PeriodicTaskStats } from '../periodic/scheduler.js';
import { RpcClient } from '../rpc/client.js';
import { RpcServer } from '../rpc/server.js';
import type { TargetFields } from '../rpc/target.js';
import type { Transport } from '../rpc/transports/transport.js';
import { LocalServiceGroup } from '../servicegroup/local-group.js';
import type { ServiceGroupMember } from '../servicegroup/member.js';
import type { ServiceState } from '../servicegroup/report.js';
import { BaseRpcApi } from './base-rpc-api.js';
import type { Manager, ManagerClass, ManagerContext, ServiceRecord, VersionHistory } from './manager.js';
import { UpgradeLevelCap } from '../rpc/upgrade-levels.js';
import { MAX_SERVICE_VERSION } from '../servicegroup/report.js';
import { InvalidArgumentError } from '../errors.js';
import { Notifier } from '../notify/notifier.js';
import { ServiceStatusNotifier } from './status-notifications.js';
import type { Lifecycle, LifecycleState, StopOptions } from '../lifecycle/lifecycle.js';
import type { RpcObserver } from '../metrics/observers.js';

export interface ServiceCreateOptions {
  config: Config;
  logger: Logger;
  transport: Transport;
  manager: ManagerClass;
  /** The notifier of `[oslo_messaging_notifications]` (notify/from-config.ts); default: none (off). */
  notifier?: Notifier;
  /** Defaults: config.service_host, config.binary ?? from the manager's class name (config/service-names.ts), config.topic ?? binary, and the config's intervals. */
  host?: string;
  binary?: string;
  topic?: string;
  /** Seconds between service group reports (`report_interval`). */
  reportIntervalSeconds?: number;
  /** @deprecated The same seconds under their older name: use `reportIntervalSeconds`. */
  reportInterval?: number;
  periodicEnable?: boolean;
  /** Seconds of random delay before the periodic tasks' first run (`periodic_fuzzy_delay`). */
  periodicFuzzyDelaySeconds?: number;
  /** @deprecated The same seconds under their older name: use `periodicFuzzyDelaySeconds`. */
  periodicFuzzyDelay?: number;
  /** Longest sleep of the periodic task loop, seconds (`periodic_interval_max`). */
  periodicIntervalMaxSeconds?: number;
  /** @deprecated The same seconds under their older name: use `periodicIntervalMaxSeconds`. */
  periodicIntervalMax?: number;
  /** RPC API version reported in the group (the manager's target version by default). */
  version?: string;
  /** Integer service version in the services table (the manager's `serviceVersion` by default). */
  serviceVersion?: number;
  /** This worker's slot in its launcher (0 outside a launcher). */
  workerSlot?: number;
  /** The service group as the launcher runs it; default: this Service reports for itself. */
  serviceGroup?: ServiceGroupMember;
  /** Told of every RPC request served and call made (framework metrics, `metrics_enabled`). */
  metrics?: RpcObserver;
}

export class Service implements Lifecycle {
  readonly host: string;
  readonly binary: string;
  readonly topic: string;
  readonly manager: Manager;
  readonly pool: TaskPool;
  /** The service's notifier (no drivers, so silent, unless notifications are configured). */
  readonly notifier: Notifier;
  readonly #config: Config;
  readonly #logger: Logger;
  readonly #baseLogger: Logger;
  readonly #transport: Transport;
  readonly #metrics: RpcObserver | undefined;
  readonly #group: ServiceGroupMember;
  readonly #scheduler: PeriodicScheduler;
  readonly #version: string;
  readonly #serviceVersion: number;
  readonly #managerClass: ManagerClass;
  /** `[upgrade_levels]` caps by topic, shared by every client of the topic. */
  readonly #caps = new Map<string, UpgradeLevelCap>();
  readonly #statusNotifier: ServiceStatusNotifier;
  readonly #notifyingGroup: ServiceGroupMember;
  #rpcServer: RpcServer | undefined;
  #state: LifecycleState = 'new';
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  /** Fill nova's defaults from the configuration and build the manager (nothing starts yet). */
  static create(options: ServiceCreateOptions): Service {
    return new Service(options);
  }

  private constructor(options: ServiceCreateOptions) {
    const { config } = options;
    const where = 'Service.create options';
    this.#config = config;
    this.host = options.host ?? config.service_host;
    this.binary = options.binary ?? config.binary ?? binaryFromManager(options.manager);
    this.topic = options.topic ?? config.topic ?? this.binary;
    this.#transport = options.transport;
    this.notifier = options.notifier ?? new Notifier(undefined, { driver: [] });
    this.#metrics = options.metrics;
    this.#logger = options.logger.child({ component: 'service', binary: this.binary, topic: this.topic });
    // Parts get children of the worker's logger, not of ours: one `component` key per line.
    this.#baseLogger = options.logger;
    this.pool = TaskPool.fromConfig(config, { logger: options.logger.child({ component: 'pool' }) });
    const context: ManagerContext = {
      host: this.host,
      binary: this.binary,
      topic: this.topic,
      workerSlot: options.workerSlot ?? 0,
      config,
      logger: options.logger.child({ component: 'manager' }),
      pool: this.pool,
      rpcClient: (target, clientOptions) => this.rpcClient(target, clientOptions),
      notifier: this.notifier.prepare({ publisherId: `${this.binary}.${this.host}` }),
    };
    this.#managerClass = options.manager;
    this.manager = new options.manager(context);
    this.#group =
      options.serviceGroup ??
      new LocalServiceGroup({
        config,
        logger: options.logger,
        transport: this.#transport,
        reportIntervalMs: secondsToMs(renamedOption(options, 'reportIntervalSeconds', 'reportInterval', where) ?? config.report_interval),
      });
    this.#scheduler = new PeriodicScheduler({
      config: {
        periodic_enable: options.periodicEnable ?? config.periodic_enable,
        periodic_fuzzy_delay:
          renamedOption(options, 'periodicFuzzyDelaySeconds', 'periodicFuzzyDelay', where) ?? config.periodic_fuzzy_delay,
        periodic_interval_max:
          renamedOption(options, 'periodicIntervalMaxSeconds', 'periodicIntervalMax', where) ?? config.periodic_interval_max,
      },
      tasks: collectPeriodicTasks(this.manager),
      context: { service: this },
      pool: this.pool,
      logger: options.logger.child({ component: 'periodic' }),
    });
    this.#version = options.version ?? this.manager.target.version ?? '1.0';
    this.#serviceVersion = options.serviceVersion ?? options.manager.serviceVersion;
    if (!Number.isSafeInteger(this.#serviceVersion) || this.#serviceVersion < 0 || this.#serviceVersion > MAX_SERVICE_VERSION) {
      throw new InvalidArgumentError(
        `serviceVersion must be an integer from 0 to ${MAX_SERVICE_VERSION} (nova's services.version), got ${String(this.#serviceVersion)}`,
      );
    }
    this.#statusNotifier = new ServiceStatusNotifier(this.notifier, this.record);
    const group = this.#group;
    this.#notifyingGroup = {
      register: (record) => group.register(record),
      start: () => group.start(),
      stop: () => group.stop(),
      services: () => group.services(),
      isUp: (host, binary) => group.isUp(host, binary),
      setDisabled: async (host, binary, disabled, reason) => {
        await group.setDisabled(host, binary, disabled, reason);
        void this.#statusNotifier.emitChange({ host, binary }, disabled, reason);
      },
    };
  }

  /** Where this part is in its lifecycle. */
  get state(): LifecycleState {
    return this.#state;
  }

  get record(): ServiceRecord {
    return { host: this.host, binary: this.binary, topic: this.topic, version: this.#version, serviceVersion: this.#serviceVersion };
  }

  /** Start every part in nova's order; runs once however often it is called. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    this.#state = 'starting';
    const manager = this.manager;
    // piscina itself loads at the first pool task; a missing package fails the start, as before.
    if (this.#checkPoolModules()) this.pool.checkInstalled();
    await manager.initHost(undefined);
    const record = this.record;
    await this.#group.register(record);
    await this.#startUpgradeLevels();
    await manager.preStartHook(record);
    const endpoints = [manager, new BaseRpcApi(this.binary), ...manager.additionalEndpoints];
    this.#warnAboutPublicTasks();
    this.#rpcServer = new RpcServer(this.#transport, { topic: this.topic, server: this.host }, endpoints, {
      executorPoolSize: this.#config.executor_thread_pool_size,
      maxMessageBytes: this.#config.rpc_max_message_bytes,
      pingEnabled: this.#config.rpc_ping_enabled,
      controlExchange: this.#config.control_exchange,
      missingConsumerRetryTimeout: this.#config.kombu_missing_consumer_retry_timeout,
      logger: this.#baseLogger,
      metrics: this.#metrics,
    });
    await this.#rpcServer.start();
    await manager.postStartHook();
    this.#group.start();
    this.#scheduler.start();
    this.#state = 'running';
    this.#logger.info({ host: this.host }, 'service started');
    void this.#statusNotifier.emit('up');
  }

  /**
   * A periodic task whose pool module is missing fails the start, before anything serves (a
   * ModuleLoadError naming the task and the path, which the launcher does not retry), rather
   * than at its first run, a spacing later. The threads are still created on first use.
   * Returns whether any periodic task uses the pool.
   */
  #checkPoolModules(): boolean {
    let used = false;
    for (const task of collectPeriodicTasks(this.manager)) {
      if (task.pool === undefined) continue;
      this.pool.check(task.pool, `periodic task ${task.name}`);
      used = true;
    }
    return used;
  }

  /** A periodic task method with a public name is also an RPC endpoint: say so once. */
  #warnAboutPublicTasks(): void {
    for (const task of collectPeriodicTasks(this.manager)) {
      if (!task.methodName.startsWith('_') && !task.methodName.startsWith('#')) {
        this.#logger.warn(
          { task: task.name, method: task.methodName },
          `periodic task method ${task.methodName} is also callable over RPC; name it _${task.methodName} to keep it private`,
        );
      }
    }
  }

  /** Stop every part, each bounded by `timeoutMs` (0 or unset: no bound); runs once. */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.timeoutMs ?? 0);
    return this.#stopping;
  }

  async #stop(timeoutMs: number): Promise<void> {
    await this.#starting?.catch(() => undefined);
    this.#state = 'stopping';
    const step = async (name: string, work: () => Promise<unknown> | unknown): Promise<void> => {
      try {
        await work();
      } catch (error) {
        this.#logger.error({ err: error, step: name }, `error during service stop: ${name}`);
      }
    };
    await Promise.all([
      step('periodic tasks', () => this.#scheduler.stop({ timeoutMs })),
      step('rpc server', () => this.#rpcServer?.stop({ timeoutMs })),
    ]);
    await step('cleanup_host', () => this.manager.cleanupHost());
    for (const cap of this.#caps.values()) cap.stop();
    await step('service group', () => this.#group.stop());
    await this.#statusNotifier.emitStopped();
    await step('task pool', () => this.pool.stop());
    this.#state = 'stopped';
    this.#logger.info('service stopped');
  }

  /** SIGHUP-style reset: the manager's hook. */
  async reset(): Promise<void> {
    await this.manager.reset();
    await Promise.all([...this.#caps.values()].map((cap) => cap.refresh()));
  }

  /** This service's version history: the manager's, or its one service version at its target version. */
  get versionHistory(): VersionHistory {
    return this.#managerClass.versionHistory ?? { [this.#serviceVersion]: this.#version };
  }

  /**
   * The `[upgrade_levels]` cap of `topic` (undefined when the topic has none). `auto` needs the
   * topic's version history: this manager's for its own topic, else `history`.
   */
  upgradeLevelCap(topic: string, history?: VersionHistory): UpgradeLevelCap | undefined {
    const level = this.#config.upgrade_levels?.[topic];
    if (level === undefined) return undefined;
    let cap = this.#caps.get(topic);
    if (!cap) {
      cap = new UpgradeLevelCap({
        topic,
        level,
        history: history ?? (topic === this.topic ? this.versionHistory : undefined),
        services: () => this.#group.services(),
        logger: this.#baseLogger,
        refreshIntervalMs: ms(this.#config, 'report_interval') || 10_000,
      });
      this.#caps.set(topic, cap);
      // Made after start: it reads the table at once, the oldest history version until then.
      if (this.#state === 'running') void cap.start();
    }
    return cap;
  }

  /** The caps this service can build alone (pinned ones, and `auto` of its own topic), read before it serves. */
  async #startUpgradeLevels(): Promise<void> {
    const levels = this.#config.upgrade_levels ?? {};
    const own = Object.entries(levels).filter(([topic, level]) => level !== 'auto' || topic === this.topic);
    for (const [topic] of own) this.upgradeLevelCap(topic);
    // With any a manager made in its constructor for another topic (its history given).
    await Promise.all([...this.#caps.values()].map((cap) => cap.start()));
  }

  /** An RPC client on this service's transport, capped by `[upgrade_levels] TOPIC` when set. */
  rpcClient(target: Partial<TargetFields> & { topic: string }, options: { versionHistory?: VersionHistory } = {}): RpcClient {
    const cap = this.upgradeLevelCap(target.topic, options.versionHistory);
    return new RpcClient(this.#transport, target, {
      ...(cap ? { versionCap: cap } : {}),
      timeoutSeconds: this.#config.rpc_response_timeout,
      controlExchange: this.#config.control_exchange,
      logger: this.#baseLogger,
      metrics: this.#metrics,
    });
  }

  /** `one-worker` periodic tasks this worker owns (decided by the launcher). */
  setOwnedTasks(names: readonly string[]): void {
    this.#scheduler.setOwnedTasks(names);
  }

  /** Names of this manager's `one-worker` tasks, for the launcher's assignment. */
  oneWorkerTasks(): string[] {
    return this.#scheduler.stats.filter((task) => task.runOn === 'one-worker').map((task) => task.name);
  }

  tasks(): PeriodicTaskStats[] {
    return this.#scheduler.stats;
  }

  services(): Promise<ServiceState[]> {
    return this.#group.services();
  }

  /**
   * The service group; a disable or enable through it also sends `service.update` for that
   * service (nova's Service.save() notifies from the process that changes the record).
   */
  get serviceGroup(): ServiceGroupMember {
    return this.#notifyingGroup;
  }
}
