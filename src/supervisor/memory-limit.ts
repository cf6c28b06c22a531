/**
 * max_memory_restart (pm2's name, in MiB): a worker whose RSS stays above the limit for
 * `samplesInARow` samples (not one spike: a GC may be about to run) is handed to `replace`,
 * which starts its replacement first and then drains it, like a reload does for one slot.
 */
import type { ProcessSample } from './resource-sampler.js';

export interface MemoryLimitOptions {
  readonly limitBytes: number;
  readonly samplesInARow: number;
  /** Replace the worker of this pid; called once per process. */
  replace(pid: number, rssBytes: number): void;
}

export class MemoryLimit {
  readonly #options: MemoryLimitOptions;
  readonly #over = new Map<number, number>();
  readonly #replaced = new Set<number>();

  constructor(options: MemoryLimitOptions) {
    this.#options = options;
  }

  /** Look at one sampling round of the serving workers' processes. */
  check(samples: ReadonlyMap<number, ProcessSample>): void {
    for (const pid of this.#over.keys()) if (!samples.has(pid)) this.#over.delete(pid);
    for (const [pid, sample] of samples) {
      if (this.#replaced.has(pid)) continue;
      const over = sample.rssBytes > this.#options.limitBytes ? (this.#over.get(pid) ?? 0) + 1 : 0;
      this.#over.set(pid, over);
      if (over < this.#options.samplesInARow) continue;
      this.#replaced.add(pid);
      this.#over.delete(pid);
      this.#options.replace(pid, sample.rssBytes);
    }
  }

  /** The process exited: forget it. */
  forget(pid: number): void {
    this.#over.delete(pid);
    this.#replaced.delete(pid);
  }

  /** The replacement could not happen now (a reload or a stop is under way): count afresh. */
  retry(pid: number): void {
    this.#replaced.delete(pid);
  }
}
