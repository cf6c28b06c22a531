/**
 * max_memory_restart (pm2's name, in MiB): a worker whose RSS stays above the limit for
 * `samplesInARow` samples (not one spike: a GC may be about to run) is handed to `replace`,
 * which starts its replacement first and then drains it, like a reload does for one slot.
 *
 * A limit below what a fresh worker already holds would replace every worker as soon as it
 * serves, in a loop: the first sample of the first serving workers is checked against it, and
 * such a limit is refused (`refuse`: the launcher exits 2) with the size measured.
 */
import type { ProcessSample } from './resource-sampler.js';

export interface MemoryLimitOptions {
  readonly limitBytes: number;
  readonly samplesInARow: number;
  /** Replace the worker of this pid; called once per process, again if the replacement failed. */
  replace(pid: number, rssBytes: number): Promise<{ readonly ok: boolean }>;
  /** The limit cannot work (a fresh worker is above it): stop with this message. */
  refuse?(message: string): void;
}

/** RSS samples in a row above max_memory_restart before a worker is replaced. */
const SAMPLES_IN_A_ROW = 3;

/** The limit `max_memory_restart` (MiB) sets; none for 0. */
export function memoryLimitFor(limitMiB: number, actions: Pick<MemoryLimitOptions, 'replace' | 'refuse'>): MemoryLimit | undefined {
  return limitMiB > 0 ? new MemoryLimit({ limitBytes: limitMiB * 1024 * 1024, samplesInARow: SAMPLES_IN_A_ROW, ...actions }) : undefined;
}

const MiB = 1024 * 1024;

export class MemoryLimit {
  readonly #options: MemoryLimitOptions;
  readonly #over = new Map<number, number>();
  readonly #replaced = new Set<number>();
  #freshChecked = false;

  constructor(options: MemoryLimitOptions) {
    this.#options = options;
  }

  /**
   * The first worker's RSS as it reported ready, before any request or task ran: a limit below it
   * is refused. (A later sample would also count what its first requests and pool threads took.)
   */
  checkFresh(pid: number, rssBytes: number): void {
    if (this.#freshChecked) return;
    this.#freshChecked = true;
    this.#refuseBelowFreshWorker(pid, rssBytes);
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

  /** True (and refused) when a fresh worker is above the limit. */
  #refuseBelowFreshWorker(pid: number, rssBytes: number): boolean {
    if (rssBytes <= this.#options.limitBytes || !this.#options.refuse) return false;
    const rssMiB = Math.ceil(rssBytes / MiB);
    const limitMiB = Math.round(this.#options.limitBytes / MiB);
    this.#options.refuse(
      `max_memory_restart (${limitMiB} MiB) is below the RSS of a fresh worker (${rssMiB} MiB, pid ${pid}, measured as it became ready): ` +
        `every worker would be replaced as soon as it starts; set it above ${rssMiB} MiB, with room to grow, or 0 to turn it off`,
    );
    return true;
  }

  /** The process exited: forget it. */
  forget(pid: number): void {
    this.#over.delete(pid);
    this.#replaced.delete(pid);
  }
}
