/**
 * oslo's executor bound (`executor_thread_pool_size`): at most `size` pieces of work run at once,
 * the rest wait in arrival order, and a stop can wait until nothing runs or waits. The RPC
 * server and the notification listener both consume deliveries through one.
 */
export interface BoundedExecutorOptions<T> {
  /** Most pieces running at once (a positive integer). */
  readonly size: number;
  /** Start one piece; undefined when it was skipped (it then holds no slot). */
  run(work: T): Promise<unknown> | undefined;
  /** A run that rejected: it is done all the same. */
  onError(error: unknown): void;
}

export class BoundedExecutor<T> {
  readonly #options: BoundedExecutorOptions<T>;
  readonly #waiting: T[] = [];
  readonly #idle = new Set<() => void>();
  #running = 0;

  constructor(options: BoundedExecutorOptions<T>) {
    this.#options = options;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  submit(work: T): void {
    this.#waiting.push(work);
    this.#pump();
  }

  /** Resolves once nothing runs or waits. */
  drained(): Promise<void> {
    if (this.#running === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#idle.delete(done);
        resolve();
      };
      this.#idle.add(done);
    });
  }

  #pump(): void {
    while (this.#running < this.#options.size && this.#waiting.length > 0) {
      const started = this.#options.run(this.#waiting.shift()!);
      if (started === undefined) continue;
      this.#running++;
      // One settlement per piece (not a catch and a finally): this is the RPC hot path.
      started.then(this.#done, this.#failed);
    }
  }

  readonly #done = (): void => {
    this.#running--;
    this.#pump();
    if (this.#running === 0 && this.#waiting.length === 0) for (const resolve of this.#idle) resolve();
  };

  readonly #failed = (error: unknown): void => {
    this.#options.onError(error);
    this.#done();
  };
}
