/**
 * OneWorkerAssigner: the primary's bookkeeping for `one-worker` periodic tasks. Pure logic, no
 * IPC: the supervisor calls register() on a worker's 'periodic-register' message and
 * unregister() when that worker exits, then sends each slot its tasks ('periodic-assign').
 *
 * Rules: each task is owned by exactly one registered slot that declared it. An owner keeps its
 * tasks while it lives (no hand-over when a lower slot registers later, so no double runs);
 * a task without an owner goes to the lowest registered slot that declares it.
 */

/** Slot → the one-worker tasks it owns; every registered slot appears, possibly with []. */
export type Owners = Map<number, string[]>;

/** Decides which worker slot runs each `one-worker` task; see the file comment. */
export class OneWorkerAssigner {
  /** slot → tasks it declared, slots kept in ascending order at lookup time. */
  readonly #declared = new Map<number, ReadonlySet<string>>();
  /** task → owning slot. */
  readonly #owner = new Map<string, number>();

  /** A worker in `slot` declares its one-worker tasks (replacing an earlier declaration). */
  register(slot: number, tasks: Iterable<string>): Owners {
    this.#declared.set(slot, new Set(tasks));
    for (const [task, owner] of this.#owner) {
      if (owner === slot && !this.#declared.get(slot)?.has(task)) this.#owner.delete(task);
    }
    return this.#assign();
  }

  /** The worker in `slot` is gone: its tasks move to the lowest remaining slot that declares them. */
  unregister(slot: number): Owners {
    this.#declared.delete(slot);
    for (const [task, owner] of this.#owner) {
      if (owner === slot) this.#owner.delete(task);
    }
    return this.#assign();
  }

  /** The current owners map, without changing anything. */
  owners(): Owners {
    const result: Owners = new Map();
    for (const slot of [...this.#declared.keys()].sort((a, b) => a - b)) result.set(slot, []);
    for (const [task, slot] of this.#owner) result.get(slot)?.push(task);
    for (const tasks of result.values()) tasks.sort();
    return result;
  }

  #assign(): Owners {
    const slots = [...this.#declared.keys()].sort((a, b) => a - b);
    for (const slot of slots) {
      for (const task of this.#declared.get(slot) ?? []) {
        if (!this.#owner.has(task)) this.#owner.set(task, slot);
      }
    }
    return this.owners();
  }
}
