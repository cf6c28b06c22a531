/**
 * max_memory_restart (pm2's name, in MiB): a worker whose RSS stays above the limit for
 * `samplesInARow` samples (not one spike: a GC may be about to run) is handed to `replace`,
 * which starts its replacement first and then drains it, like a reload does for one slot.
 */
import type { ProcessSample } from './resource-sampler.js';

export interface MemoryLimitOptions {
  readonly limitBytes: number;
  readonly samplesInARow: number;
  /** Replace the worker of this pid; called once per process, again if the replacement failed. */
  replace(pid: number, rssBytes: number): Promise<{ readonly ok: boolean }>;
}

/** RSS samples in a row above max_memory_restart before a worker is replaced. */
const SAMPLES_IN_A_ROW = 3;

/** The limit `max_memory_restart` (MiB) sets; none for 0. */
export function memoryLimitFor(limitMiB: number, replace: MemoryLimitOptions['replace']): MemoryLimit | undefined {
  return limitMiB > 0 ? new MemoryLimit({ limitBytes: limitMiB * 1024 * 1024, samplesInARow: SAMPLES_IN_A_ROW, replace }) : undefined;
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
      // Not now (a reload or a stop under way): count afresh from the next sample.
      void this.#options.replace(pid, sample.rssBytes).then((result) => {
        if (!result.ok) this.#replaced.delete(pid);
      });
    }
  }

  /** The process exited: forget it. */
  forget(pid: number): void {
    this.#over.delete(pid);
    this.#replaced.delete(pid);
  }
}
