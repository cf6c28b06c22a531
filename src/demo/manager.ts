/**
 * The demo service's manager (binary `demo`, topic `demo`, RPC version 1.3): what the main job
 * serves when no --manager is given. Its periodic `_digestTask` hashes digest_mebibytes MiB in
 * the worker's piscina pool, in one worker of the launcher at a time.
 */
import { registerPeriodicTask, type PeriodicTaskArgs } from '../periodic/periodic-task.js';
import type { RequestContext } from '../rpc/context.js';
import { Manager, type ManagerContext } from '../service/manager.js';

/** The error `fail` raises; a Python caller sees a RemoteError naming DemoError. */
export class DemoError extends Error {
  override name = 'DemoError';
}

/** Result of the digest pool task (pool-tasks/digest.ts). */
export interface DigestResult {
  mebibytes: number;
  digest: string;
  ms: number;
}

const MAX_SLEEP_SECONDS = 3600;

function requireNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${name} must be a finite number`);
  return value;
}

export class DemoManager extends Manager {
  override target = { version: '1.3' };
  /** The last periodic digest, for /v1/tasks readers and tests. */
  lastDigest: DigestResult | undefined;

  constructor(context: ManagerContext) {
    super(context);
    // Spacing comes from configuration, so the task is registered on the instance, not decorated.
    registerPeriodicTask(this, '_digestTask', {
      name: 'digest',
      spacingSeconds: context.config.digest_spacing,
      runOn: 'one-worker',
      pool: 'digest',
    });
  }

  ping(_ctx: unknown): { host: string; pid: number; worker: number } {
    return { host: this.context.host, pid: process.pid, worker: this.context.workerSlot };
  }

  echo(_ctx: unknown, args: { value?: unknown }): unknown {
    return args.value ?? null;
  }

  add(ctx: RequestContext, args: { a?: unknown; b?: unknown }): number {
    const a = requireNumber('a', args.a);
    const b = requireNumber('b', args.b);
    const result = a + b;
    // Not awaited: the reply does not wait for the notification (the notifier logs failures).
    if (this.context.notifier.enabled) void this.context.notifier.info(ctx, 'demo.add', { a, b, result });
    return result;
  }

  async sleep(_ctx: unknown, args: { seconds?: unknown }): Promise<number> {
    const seconds = requireNumber('seconds', args.seconds);
    if (seconds < 0 || seconds > MAX_SLEEP_SECONDS) throw new RangeError(`seconds must be in 0..${MAX_SLEEP_SECONDS}`);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return seconds;
  }

  fail(_ctx: unknown, args: { message?: unknown }): never {
    throw new DemoError(typeof args.message === 'string' ? args.message : 'demo failure');
  }

  /** Hash N MiB in the pool (the same work as the periodic task), off the event loop. */
  digest(_ctx: unknown, args: { mebibytes?: unknown }): Promise<DigestResult> {
    const mebibytes = requireNumber('mebibytes', args.mebibytes ?? this.context.config.digest_mebibytes);
    return this.context.pool.run<DigestResult>('digest', { mebibytes });
  }

  async _digestTask({ offload }: PeriodicTaskArgs): Promise<void> {
    this.lastDigest = await offload<DigestResult>({ mebibytes: this.context.config.digest_mebibytes });
    this.context.logger.debug({ ...this.lastDigest }, 'periodic digest done');
  }
}

export default DemoManager;
