/**
 * CPU and memory of the worker processes, read from /proc once per interval by the primary (no
 * IPC round trip, so a busy or stuck worker is measured too). Keeps a few samples per process:
 * CPU % is taken over that window (`ctl.js status`), and RSS feeds the memory limit.
 */
import { readFile } from 'node:fs/promises';

/** Linux clock ticks per second (USER_HZ): 100 on every architecture node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessSample {
  /** performance.now() when taken. */
  readonly at: number;
  /** utime + stime, in clock ticks. */
  readonly cpuTicks: number;
  readonly rssBytes: number;
}

export interface ResourceSamplerOptions {
  readonly intervalMs: number;
  /** Samples kept per process: CPU % covers (window - 1) intervals. */
  readonly window: number;
  /** The processes to sample this round. */
  pids(): number[];
  /** Called with each round's fresh samples. */
  onRound?(samples: ReadonlyMap<number, ProcessSample>): void;
}

/** One sample of `pid` from /proc, or undefined when it is gone (or not on Linux). */
export async function sampleProcess(pid: number): Promise<ProcessSample | undefined> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rssKiB = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return { at: performance.now(), cpuTicks: Number(fields[11]) + Number(fields[12]), rssBytes: Number(rssKiB ?? 0) * 1024 };
  } catch {
    return undefined;
  }
}

export class ResourceSampler {
  readonly #options: ResourceSamplerOptions;
  readonly #samples = new Map<number, ProcessSample[]>();
  #timer: NodeJS.Timeout | undefined;
  #sampling = false;

  constructor(options: ResourceSamplerOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    // Unref'd: sampling never keeps the launcher alive on its own.
    this.#timer = setInterval(() => void this.#round(), this.#options.intervalMs).unref();
    void this.#round();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Percent of one core over the kept window; null until two samples exist. */
  cpuPercent(pid: number): number | null {
    const samples = this.#samples.get(pid);
    if (!samples || samples.length < 2) return null;
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    const seconds = (last.at - first.at) / 1000;
    if (seconds <= 0) return null;
    return Math.round(((last.cpuTicks - first.cpuTicks) / CLOCK_TICKS_PER_SECOND / seconds) * 1000) / 10;
  }

  rssBytes(pid: number): number | null {
    const samples = this.#samples.get(pid);
    return samples?.[samples.length - 1]?.rssBytes ?? null;
  }

  async #round(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      const pids = this.#options.pids();
      const fresh = new Map<number, ProcessSample>();
      await Promise.all(
        pids.map(async (pid) => {
          const sample = await sampleProcess(pid);
          if (!sample) return;
          fresh.set(pid, sample);
          const kept = this.#samples.get(pid) ?? [];
          kept.push(sample);
          if (kept.length > this.#options.window) kept.shift();
          this.#samples.set(pid, kept);
        }),
      );
      for (const pid of this.#samples.keys()) if (!pids.includes(pid)) this.#samples.delete(pid);
      this.#options.onRound?.(fresh);
    } finally {
      this.#sampling = false;
    }
  }
}
