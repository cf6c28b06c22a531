/**
 * The base class of a service's manager (nova's `manager.Manager`): its public methods are the
 * RPC endpoints, its decorated methods the periodic tasks, and these hooks run in nova's order
 * around the service's start and stop. Every hook defaults to a no-op. The base is marked with
 * RPC_BASE, so none of its own methods (the hooks) is callable over RPC.
 */
import type { Config } from '../config/options.js';
import type { Logger } from '../logging/logger.js';
import { RPC_BASE, type EndpointTarget } from '../rpc/dispatcher.js';
import type { RpcClient } from '../rpc/client.js';
import type { TargetFields } from '../rpc/target.js';
import type { TaskPool } from '../periodic/pool.js';
import type { Notifier } from '../notify/notifier.js';

/** What the service hands its manager at construction (nova: `manager_class(host=...)`). */
export interface ManagerContext {
  readonly host: string;
  readonly binary: string;
  readonly topic: string;
  /** This worker's slot in its launcher (1..N; 0 outside a launcher). */
  readonly workerSlot: number;
  readonly config: Config;
  readonly logger: Logger;
  /**
   * The worker's piscina pool (threads created on first use), shared by the periodic tasks, any
   * method (`this.context.pool.run(new URL('./tasks/x.js', import.meta.url), input)`) and the
   * HTTP app (`context.service.pool`). A module is a name in `pool_directory`, an absolute path or a file URL.
   */
  readonly pool: TaskPool;
  /**
   * An RPC client on the service's transport, capped by `[upgrade_levels] TOPIC` when set.
   * `versionHistory`: that topic's history, for `auto` on a topic other than this service's.
   */
  rpcClient(target: Partial<TargetFields> & { topic: string }, options?: { versionHistory?: VersionHistory }): RpcClient;
  /**
   * The service's notifier, publisher id `BINARY.HOST`; `notifier.enabled` is false when no
   * notification driver is configured (sending then does nothing).
   */
  readonly notifier: Notifier;
}

/** A service record as the service group keeps it (nova's services row). */
export interface ServiceRecord {
  readonly host: string;
  readonly binary: string;
  readonly topic: string;
  /** The RPC API version (the manager's target version). */
  readonly version: string;
  /** The manager's integer service version (the services table's `version`). */
  readonly serviceVersion: number;
}

/** Service version -> the RPC API version that service version serves (nova's SERVICE_VERSION_HISTORY). */
export type VersionHistory = Readonly<Record<number, string>>;

export class Manager {
  static readonly [RPC_BASE] = true;

  /** RPC version and namespace of this endpoint (oslo's endpoint target). */
  target: EndpointTarget = { version: '1.0' };
  /**
   * This code's service version (nova's SERVICE_VERSION), declared on the class so that clients
   * can read it without a manager (`static override serviceVersion = 2`): a non-negative
   * integer, raised with every change other services must know about (a new RPC method, a new
   * RPC API version). It goes into the services table's `version` column (the column nova's
   * services use for theirs) and is what `[upgrade_levels] TOPIC = auto` maps to an RPC version.
   * Default 1 (nova reads 0 as "no service version").
   */
  static serviceVersion = 1;
  /**
   * Service version -> the RPC API version it serves (nova's SERVICE_VERSION_HISTORY), for
   * every service version this code may meet in a rolling upgrade (sparse: one not listed
   * serves what the nearest lower one does). `[upgrade_levels] TOPIC = auto` caps clients of
   * this manager's topic to the entry of the lowest live service version. Unset: the service
   * knows only `{ [serviceVersion]: target.version }`.
   */
  static versionHistory: VersionHistory | undefined = undefined;
  /** Extra RPC endpoints served next to the manager (nova's `additional_endpoints`). */
  additionalEndpoints: object[] = [];
  protected readonly context: ManagerContext;

  constructor(context: ManagerContext) {
    this.context = context;
  }

  /** Before the service record exists (it gets the record if one is known). */
  initHost(_record: ServiceRecord | undefined): void | Promise<void> {}
  /** After the record, before the RPC server consumes. */
  preStartHook(_record: ServiceRecord): void | Promise<void> {}
  /** After the RPC server consumes. */
  postStartHook(): void | Promise<void> {}
  /** On stop, after the RPC server stopped; errors are logged, not fatal. */
  cleanupHost(): void | Promise<void> {}
  /** On SIGHUP in the worker (configuration reset hook). */
  reset(): void | Promise<void> {}
}

/** The constructor type a `--manager` module must export (with Manager's statics). */
export type ManagerClass = (new (
  context: ManagerContext,
) => Manager) & { readonly serviceVersion: number; readonly versionHistory: VersionHistory | undefined };
