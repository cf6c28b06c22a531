/**
 * Periodic task registration: oslo's `@periodic_task`, as a TC39 standard decorator or as an
 * explicit call, and `collectPeriodicTasks(instance)` which turns the registrations into specs
 * for the PeriodicScheduler.
 *
 * Why no `context.metadata`: TypeScript only fills it when `Symbol.metadata` exists, and Node 20
 * lacks it; polyfilling means patching the global `Symbol`. Instead the decorator adds an
 * initializer (`context.addInitializer`) that records the task on each new instance in a
 * module-private WeakMap. Explicit registrations on a class are kept on its prototype in the
 * same map. Collection walks the prototype chain, parent first, so a subclass inherits its
 * parent's tasks and can override one (same method name) without touching the parent's list.
 */
import { ErrorCodes } from '../errors.js';
import { PeriodicTaskError } from './errors.js';
import { isPoolModule, poolModuleText, type PoolModule } from './pool-module.js';

/** Where a task runs when the launcher has several workers (oslo: always every worker). */
export type RunOn = 'every-worker' | 'one-worker';

/** oslo's `DEFAULT_INTERVAL`: the spacing of a task that names none. */
export const DEFAULT_SPACING = 60;

/** Options of `periodicTask()` and `registerPeriodicTask()`; all optional. */
export interface PeriodicTaskOptions {
  /** Seconds between runs (default 60); `<= 0` disables the task (oslo: 0 means 60). */
  spacingSeconds?: number;
  /** @deprecated The same seconds under oslo's name: use `spacingSeconds`. */
  spacing?: number;
  /** Run at the scheduler's start instead of one spacing (plus the fuzzy delay) later. */
  runImmediately?: boolean;
  /** `false` disables the task. Default true. */
  enabled?: boolean;
  /** Name in logs, stats and ownership; default the method name. */
  name?: string;
  /** `'one-worker'`: runs only in the worker the launcher assigns it to. Default every worker. */
  runOn?: RunOn;
  /**
   * The module the task's `offload(input)` runs in the pool: a name in `pool_directory` (without
   * `.js`), an absolute path, or a file URL (`new URL('./tasks/x.js', import.meta.url)`). Its file
   * must exist when the service starts.
   */
  pool?: PoolModule;
}

/** What a task function receives on every run. */
export interface PeriodicTaskArgs<Ctx = unknown> {
  /** Aborted when the scheduler stops; a long task should check it and return early. */
  signal: AbortSignal;
  /** The scheduler's `context` option (oslo passes a RequestContext). */
  ctx: Ctx;
  /** Run the task's `pool` module in the TaskPool with `input`, cancelled with `signal`. */
  offload<Result = unknown>(input?: unknown): Promise<Result>;
}

/** A task body: may be sync or async; its value is ignored. */
export type PeriodicTaskFunction = (args: PeriodicTaskArgs) => unknown;

/** One collected task, bound to its instance, ready for the scheduler. */
export interface PeriodicTaskSpec {
  readonly name: string;
  readonly methodName: string;
  readonly spacing: number;
  readonly runImmediately: boolean;
  readonly enabled: boolean;
  readonly runOn: RunOn;
  /** The `pool` option; a URL is kept as its href. */
  readonly pool: string | undefined;
  readonly run: PeriodicTaskFunction;
}

interface Entry {
  readonly methodName: string;
  readonly options: Readonly<PeriodicTaskOptions>;
  readonly get: (target: object) => unknown;
}

/** Keys: a class prototype (explicit class registration) or an instance (decorators, explicit). */
const registry = new WeakMap<object, Map<string, Entry>>();

/** Check options once, at decoration or registration time, so a typo fails at import. */
function validateOptions(where: string, options: PeriodicTaskOptions): Readonly<PeriodicTaskOptions> {
  const fail = (what: string): never => {
    throw new PeriodicTaskError(ErrorCodes.PERIODIC_TASK_INVALID, `periodic task ${where}: ${what}`);
  };
  const { spacing, ...rest } = options;
  const spacingSeconds = options.spacingSeconds ?? spacing;
  if (options.spacingSeconds !== undefined && spacing !== undefined && options.spacingSeconds !== spacing) {
    fail(`spacingSeconds (${options.spacingSeconds}) and its deprecated name spacing (${spacing}) differ; set spacingSeconds only`);
  }
  if (spacingSeconds !== undefined && !Number.isFinite(spacingSeconds)) fail('spacingSeconds must be a finite number of seconds');
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) fail('name must be a non-empty string');
  if (options.runOn !== undefined && options.runOn !== 'every-worker' && options.runOn !== 'one-worker') {
    fail("runOn must be 'every-worker' or 'one-worker'");
  }
  if (options.pool !== undefined && !isPoolModule(options.pool)) {
    fail('pool must be a module name in pool_directory (no path, no extension), an absolute path, or a file URL');
  }
  // A URL object is mutable: keep its text.
  return Object.freeze({
    ...rest,
    ...(spacingSeconds !== undefined && { spacingSeconds }),
    ...(options.pool !== undefined && { pool: poolModuleText(options.pool) }),
  });
}

function addEntry(key: object, entry: Entry): void {
  let entries = registry.get(key);
  if (!entries) {
    entries = new Map();
    registry.set(key, entries);
  }
  entries.set(entry.methodName, entry);
}

/**
 * Mark a manager method as a periodic task (TypeScript 5 standard decorator).
 *
 * @example
 * class Manager { @periodicTask({ spacing: 10 }) async report({ signal }: PeriodicTaskArgs) {} }
 */
export function periodicTask(options: PeriodicTaskOptions = {}) {
  return function decorate<This extends object, Method extends (this: This, args: PeriodicTaskArgs<never>) => unknown>(
    _method: Method,
    context: ClassMethodDecoratorContext<This, Method>,
  ): void {
    if (typeof context !== 'object' || typeof context.addInitializer !== 'function') {
      // Compiled with legacy `experimentalDecorators`: (prototype, key, descriptor) arrives here.
      throw new PeriodicTaskError(
        ErrorCodes.PERIODIC_TASK_INVALID,
        'periodicTask() needs standard decorators (experimentalDecorators off); use registerPeriodicTask()',
      );
    }
    const methodName = String(context.name);
    if (context.static) {
      throw new PeriodicTaskError(ErrorCodes.PERIODIC_TASK_INVALID, `periodic task ${methodName}: must be an instance method`);
    }
    const frozen = validateOptions(methodName, options);
    const entry: Entry = { methodName, options: frozen, get: (target) => context.access.get(target as This) };
    context.addInitializer(function (this: This) {
      addEntry(this, entry);
    });
  };
}

/**
 * Register a periodic task without a decorator, on a class (every instance, subclasses too) or on
 * one instance (oslo's `add_periodic_task`). The method must exist when registering.
 */
export function registerPeriodicTask(
  target: (abstract new (...args: never[]) => object) | object,
  methodName: string,
  options: PeriodicTaskOptions = {},
): void {
  const key: object = typeof target === 'function' ? (target.prototype as object) : target;
  if (typeof (key as Record<string, unknown>)[methodName] !== 'function') {
    throw new PeriodicTaskError(ErrorCodes.PERIODIC_TASK_INVALID, `periodic task ${methodName}: no such method`);
  }
  const frozen = validateOptions(methodName, options);
  addEntry(key, { methodName, options: frozen, get: (object) => (object as Record<string, unknown>)[methodName] });
}

/**
 * The periodic tasks of `instance`, in registration order (parent class first), each bound to
 * the instance. Throws a PeriodicTaskError on duplicate task names.
 */
export function collectPeriodicTasks(instance: object): PeriodicTaskSpec[] {
  const chain: object[] = [instance];
  for (
    let proto = Object.getPrototypeOf(instance) as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    chain.unshift(proto);
  }
  const merged = new Map<string, Entry>();
  for (const key of chain) {
    for (const [methodName, entry] of registry.get(key) ?? []) merged.set(methodName, entry);
  }
  const specs: PeriodicTaskSpec[] = [];
  const names = new Set<string>();
  for (const entry of merged.values()) {
    const { options, methodName } = entry;
    const name = options.name ?? methodName;
    if (names.has(name)) {
      throw new PeriodicTaskError(ErrorCodes.PERIODIC_TASK_INVALID, `periodic task ${name}: the name is used twice`);
    }
    names.add(name);
    const method = entry.get(instance);
    if (typeof method !== 'function') {
      throw new PeriodicTaskError(ErrorCodes.PERIODIC_TASK_INVALID, `periodic task ${name}: ${methodName} is not a method`);
    }
    specs.push(
      Object.freeze({
        name,
        methodName,
        spacing: options.spacingSeconds ?? DEFAULT_SPACING,
        runImmediately: options.runImmediately ?? false,
        enabled: options.enabled ?? true,
        runOn: options.runOn ?? 'every-worker',
        pool: options.pool as string | undefined,
        run: (args: PeriodicTaskArgs) => (method as PeriodicTaskFunction).call(instance, args),
      }),
    );
  }
  return specs;
}
