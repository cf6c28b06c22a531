/**
 * The `db` driver, nova's way: one row per host/binary in PostgreSQL's `services` table
 * (db-schema.ts), created exactly as nova's migration makes it when missing and used as it is
 * when present (never altered: nova's own services share it); the report is one UPDATE per
 * interval; the table and the
 * up/down rule are read from the database, so disabled flags and reasons outlive every process.
 *
 * A database outage never takes the launcher or a worker down: the pool's errors are caught,
 * a failing report throws to the reporter (which logs it once and keeps trying), and the table
 * reads as it was last known. node-postgres (`pg`) with a small pool; bound parameters only.
 */
import type { Pool, PoolConfig } from 'pg';
import type { Logger } from '../logging/logger.js';
import {
  CREATE_SERVICES_TABLE,
  LIST_SERVICES,
  REPORT_STATE,
  SERVICES_TABLE_EXISTS,
  SET_DISABLED,
  UPSERT_SERVICE,
  type ServiceRow,
} from './db-schema.js';
import type { ServiceGroupDriver } from './driver.js';
import { ServiceGroupUnavailableError, ServiceNotFoundError } from './errors.js';
import type { DisableRequest, MemberReport, ServiceState } from './report.js';
import { ThrottledWarning } from '../logging/throttled-warning.js';

/** Two connections: the heartbeat never waits behind a slow read of the table. */
const POOL_SIZE = 2;
/** Bounds every connection attempt and query: an unreachable database fails fast, not never. */
const QUERY_TIMEOUT_MS = 5000;

export interface DbDriverOptions {
  /** `[database] connection`: postgresql://user:pass@host:port/dbname. */
  connection: string;
  logger: Logger;
  /** `service_down_time` in ms (after effectiveDownTime). */
  serviceDownTimeMs: number;
}

export class DbDriver implements ServiceGroupDriver {
  readonly name = 'db' as const;
  readonly #options: DbDriverOptions;
  readonly #logger: Logger;
  readonly #readFailures: ThrottledWarning;
  #pool: Pool | undefined;
  #schemaReady = false;
  #registered = false;
  #own: MemberReport | undefined;
  #lastKnown: ServiceState[] | undefined;

  constructor(options: DbDriverOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: 'servicegroup' });
    this.#readFailures = new ThrottledWarning(this.#logger);
  }

  async start(): Promise<void> {
    // Loaded only when used: deployments on the messaging driver never load pg.
    const pg = (await import('pg')).default;
    const config: PoolConfig = {
      connectionString: this.#options.connection,
      max: POOL_SIZE,
      connectionTimeoutMillis: QUERY_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'oslo-node servicegroup',
    };
    this.#pool = new pg.Pool(config);
    // An idle client losing its server emits 'error' on the pool: unhandled, it would exit the process.
    this.#pool.on('error', (error) => this.#readFailures.warn({ err: describe(error) }, 'database connection lost'));
    await this.#ensureSchema().catch((error: unknown) =>
      this.#logger.warn({ err: describe(error) }, 'service group cannot reach the database yet; will keep trying'),
    );
  }

  async report(report: MemberReport): Promise<void> {
    this.#own = report;
    await this.#ensureSchema();
    if (!this.#registered) await this.#register(report);
    const result = await this.#query(REPORT_STATE, [report.host, report.binary]);
    if (result.rowCount === 0) {
      // The row was deleted under us (an operator's `service delete`): make it again.
      this.#registered = false;
      await this.#register(report);
      await this.#query(REPORT_STATE, [report.host, report.binary]);
    }
  }

  /** nova keeps the row when a service stops: it ages out to down by service_down_time. */
  async leave(): Promise<void> {}

  async services(): Promise<ServiceState[]> {
    try {
      const result = await this.#query<ServiceRow>(LIST_SERVICES, [this.#options.serviceDownTimeMs]);
      this.#lastKnown = result.rows.map((row) => this.#toState(row));
      return this.#lastKnown;
    } catch (error) {
      this.#readFailures.warn({ err: describe(error) }, 'cannot read the services table; answering with the last one known');
      if (this.#lastKnown) return this.#lastKnown;
      throw new ServiceGroupUnavailableError('the service group database is unreachable', { cause: error });
    }
  }

  async setDisabled(request: DisableRequest): Promise<void> {
    let rowCount: number | null;
    try {
      ({ rowCount } = await this.#query(SET_DISABLED, [request.host, request.binary, request.disabled, request.reason]));
    } catch (error) {
      throw new ServiceGroupUnavailableError('the service group database is unreachable', { cause: error });
    }
    if (rowCount === 0) throw new ServiceNotFoundError(request.host, request.binary);
  }

  async stop(): Promise<void> {
    await this.#pool?.end().catch(() => undefined);
  }

  async #ensureSchema(): Promise<void> {
    if (this.#schemaReady) return;
    try {
      const { rows } = await this.#query<{ present: boolean }>(SERVICES_TABLE_EXISTS, []);
      if (rows[0]?.present !== true) await this.#query(CREATE_SERVICES_TABLE, []);
    } catch (error) {
      // Two launchers creating the table at once: the loser sees a duplicate; the table is there.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw error;
    }
    this.#schemaReady = true;
  }

  async #register(report: MemberReport): Promise<void> {
    await this.#query(UPSERT_SERVICE, [report.host, report.binary, report.topic, report.serviceVersion ?? 0]);
    this.#registered = true;
  }

  #query<R extends object = object>(text: string, values: unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    if (!this.#pool) return Promise.reject(new ServiceGroupUnavailableError('service group database not started'));
    return this.#pool.query<R & import('pg').QueryResultRow>(text, values);
  }

  #toState(row: ServiceRow): ServiceState {
    const own = this.#own;
    const mine = own !== undefined && own.host === row.host && own.binary === row.binary;
    return {
      host: row.host,
      binary: row.binary,
      topic: row.topic ?? row.binary,
      // The column holds nova's service version; our RPC version is known for our own row only.
      version: mine ? own.version : '',
      serviceVersion: serviceVersionOf(row.version),
      state: row.up ? 'up' : 'down',
      lastHeartbeat: row.heartbeat,
      startedAt: mine ? own.startedAt : row.created_at,
      workers: mine ? own.workers : null,
      pids: mine ? [...own.pids] : null,
      disabled: row.disabled === true,
      disabledReason: row.disabled_reason,
      forcedDown: row.forced_down === true,
    };
  }
}

/** The column as an integer (text in a table of ours from before issue 28: "1.3" is none). */
function serviceVersionOf(text: string | null): number | null {
  return text !== null && /^\d{1,10}$/.test(text) ? Number(text) : null;
}

/** The error's message and code only: a pg error may carry the statement's parameters. */
function describe(error: unknown): { message: string; code?: string } {
  const { message, code } = error as { message?: string; code?: string };
  return { message: String(message ?? error), code };
}
