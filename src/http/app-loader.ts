/**
 * Loads the user's HTTP app (`--app MODULE`): any Node request listener, or a factory that
 * builds one from the service's context.
 */
import type { RequestListener } from 'node:http';
import type { Config } from '../config/options.js';
import { ErrorCodes, ModuleLoadError, OsloNodeError, describeError } from '../errors.js';
import type { WorkerInfo } from '../ipc/messages.js';
import type { Logger } from '../logging/logger.js';
import type { RpcClient } from '../rpc/client.js';
import { specifierFor } from '../service/module-specifier.js';
import { checkModuleTrust } from '../security/file-trust.js';
import type { Service } from '../service/service.js';

/** The launcher as an app in one of its workers sees it. */
export interface LauncherView {
  /** The launcher's workers (slot, pid, start time, restarts, state). */
  workers(): Promise<WorkerInfo[]>;
  /** Every worker's Prometheus metrics merged (text exposition format). */
  metrics(): Promise<string>;
}

/** What a factory receives. */
export interface AppContext {
  config: Config;
  logger: Logger;
  /** An RPC client on the service's topic, when the caller has one. */
  rpc?: RpcClient;
  /**
   * The worker's service (manager, service group, periodic tasks), when run by a launcher;
   * `service.pool.run(module, input)` offloads CPU-heavy work to the worker's piscina pool.
   */
  service?: Service;
  /** This worker's slot in its launcher (1..N; 0 outside a launcher). */
  workerSlot?: number;
  /** The launcher this worker belongs to, when run by one. */
  launcher?: LauncherView;
}

/** A default export that builds the listener. */
export type AppFactory = (context: AppContext) => RequestListener | Promise<RequestListener>;

type AnyFunction = (...args: never[]) => unknown;

/**
 * The rule that tells a listener from a factory: a function with a `handle` or `listen`
 * property (Express, connect) or that declares two or more parameters (`(req, res)`,
 * `(req, res, next)`) is a listener; a function of zero or one parameter is a factory.
 * A listener written with rest parameters only (`(...args) => …`) has arity 0: wrap it.
 */
export function isRequestListener(fn: AnyFunction): boolean {
  return 'handle' in fn || 'listen' in fn || fn.length >= 2;
}

/** The module itself is unusable (no restart fixes it): a ModuleLoadError. */
function loadError(modulePath: string, message: string, cause?: unknown): ModuleLoadError {
  return new ModuleLoadError(modulePath, `cannot load app module ${modulePath}: ${message}`, { cause });
}

/** Its factory failed when called: it may depend on the moment (a restart may fix it). */
function factoryError(modulePath: string, message: string, cause?: unknown): OsloNodeError {
  return new OsloNodeError(ErrorCodes.MODULE_LOAD, `cannot load app module ${modulePath}: ${message}`, { cause });
}

/** The import specifier of an app module path (also used by the spare's preload). */
export { specifierFor };

/** Import an app module (the spare's preload), refusing one others may change (ModuleLoadError). */
export async function importAppModule(modulePath: string): Promise<unknown> {
  checkModuleTrust(modulePath, specifierFor(modulePath), 'app');
  return import(specifierFor(modulePath));
}

/**
 * Import `modulePath` and return its request listener.
 *
 * The default export (or, for CommonJS, `module.exports`) is either a listener or a factory
 * (see {@link isRequestListener}); a factory is called with `context` and may be async.
 * @throws ModuleLoadError (ERR_MODULE_LOAD, permanent: the launcher exits 2) naming the module,
 *   for an import failure, a default export that is not a function, or a factory that returns
 *   no function; an OsloNodeError with the same code for a factory that throws (restarted).
 */
export async function loadApp(modulePath: string, context: AppContext): Promise<RequestListener> {
  let exported: unknown;
  checkModuleTrust(modulePath, specifierFor(modulePath), 'app');
  try {
    const mod = (await import(specifierFor(modulePath))) as { default?: unknown };
    exported = mod.default ?? mod;
  } catch (error) {
    throw loadError(modulePath, describeError(error), error);
  }
  if (typeof exported !== 'function') {
    throw loadError(modulePath, `its default export is a ${typeof exported}, not a request listener or factory`);
  }
  const fn = exported as AnyFunction;
  if (isRequestListener(fn)) return fn as unknown as RequestListener;
  let built: unknown;
  try {
    built = await (fn as unknown as AppFactory)(context);
  } catch (error) {
    throw factoryError(modulePath, `its factory failed: ${describeError(error)}`, error);
  }
  if (typeof built !== 'function') {
    throw loadError(modulePath, `its factory returned a ${typeof built}, not a request listener`);
  }
  return built as RequestListener;
}
