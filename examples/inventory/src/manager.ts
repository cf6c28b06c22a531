/**
 * The inventory service's manager: its public methods are RPC endpoints (called with the request
 * context and keyword arguments, as oslo.messaging calls them); `_audit` is a periodic task whose
 * CPU-heavy body runs in the worker's pool, from this project's own module.
 */
import { Manager, periodicTask, type ManagerContext, type PeriodicTaskArgs } from 'oslo-node';
import type { ChecksumInput, ChecksumResult } from './tasks/checksum.js';

/** This project's pool task, found next to this file once compiled (dist/tasks/checksum.js). */
const CHECKSUM_TASK = new URL('./tasks/checksum.js', import.meta.url);

export interface Item {
  name: string;
  count: number;
}

export class InventoryManager extends Manager {
  override target = { version: '1.0' };
  /** Each worker keeps its own items: this example has no database. */
  readonly #items = new Map<string, number>();
  lastAudit: ChecksumResult | undefined;

  constructor(context: ManagerContext) {
    super(context);
  }

  add_item(ctx: Record<string, unknown>, args: { name?: unknown; count?: unknown }): Item {
    if (typeof args.name !== 'string' || args.name === '') throw new TypeError('name must be a non-empty string');
    const count = args.count ?? 1;
    if (!Number.isInteger(count) || (count as number) < 1) throw new TypeError('count must be a positive integer');
    const item = { name: args.name, count: (this.#items.get(args.name) ?? 0) + (count as number) };
    this.#items.set(item.name, item.count);
    // A notification for listeners (Python or Node); the reply does not wait for it.
    if (this.context.notifier.enabled) void this.context.notifier.info(ctx, 'inventory.item.added', item);
    return item;
  }

  list_items(_ctx: unknown): Item[] {
    return [...this.#items].map(([name, count]) => ({ name, count }));
  }

  /** An RPC method that offloads CPU work to the same pool as the periodic task. */
  checksum(_ctx: unknown, args: ChecksumInput): Promise<ChecksumResult> {
    return this.context.pool.run<ChecksumResult>(CHECKSUM_TASK, { text: args.text, rounds: args.rounds ?? 1000 });
  }

  // Private (`_`) methods are never callable over RPC: periodic tasks are named that way.
  @periodicTask({ spacingSeconds: 2, runImmediately: true, pool: CHECKSUM_TASK })
  async _audit({ offload }: PeriodicTaskArgs): Promise<void> {
    const snapshot = JSON.stringify(this.list_items(undefined));
    this.lastAudit = await offload<ChecksumResult>({ text: snapshot, rounds: 20_000 } satisfies ChecksumInput);
    this.context.logger.info({ checksum: this.lastAudit.checksum }, 'inventory audit done');
  }
}

export default InventoryManager;
