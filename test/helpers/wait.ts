/**
 * The one way tests wait: for something to happen (`until`), for something not to happen over a
 * window (`quietFor`), or while sampling something (`measureFor`, `startSampling`). A timeout
 * names what was awaited and the last value or error seen, so a failure says what was missing.
 * `delay` is for the few places where time itself is the subject; each says why in a comment.
 */

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Look again after this long (default 50 ms). */
  intervalMs?: number;
}

/** What a truthy value of `T` can be. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Short text for the last thing a predicate gave, for a timeout's message. */
function describeSeen(seen: { value: unknown } | { error: unknown } | undefined): string {
  if (seen === undefined) return 'nothing yet';
  if ('error' in seen) return `error ${seen.error instanceof Error ? seen.error.message : String(seen.error)}`;
  let text: string;
  try {
    text = JSON.stringify(seen.value) ?? String(seen.value);
  } catch {
    text = String(seen.value);
  }
  return `value ${text.length > 300 ? `${text.slice(0, 300)}...` : text}`;
}

/**
 * Resolve with `predicate()`'s first truthy value. A predicate that throws counts as "not yet"
 * (a server still starting, a file not yet written); its error is kept for the timeout message.
 */
export async function until<T>(what: string, predicate: () => T | Promise<T>, options: WaitOptions = {}): Promise<Truthy<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = performance.now() + timeoutMs;
  let seen: { value: unknown } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as Truthy<T>;
      seen = { value };
    } catch (error) {
      seen = { error };
    }
    if (performance.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${describeSeen(seen)}`);
    await delay(Math.min(intervalMs, Math.max(0, deadline - performance.now())));
  }
}

/**
 * Assert that `happened()` stays falsy for `ms`: for a test that checks something does NOT occur.
 * Rejects as soon as it is truthy (or throws), naming `what` and the value.
 */
export async function quietFor(
  what: string,
  ms: number,
  happened: () => unknown,
  options: Pick<WaitOptions, 'intervalMs'> = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 50;
  const start = performance.now();
  const end = start + ms;
  for (;;) {
    const value = await happened();
    if (value)
      throw new Error(
        `${what} happened ${Math.round(performance.now() - start)} ms into a ${ms} ms quiet window: ${describeSeen({ value })}`,
      );
    const left = end - performance.now();
    if (left <= 0) return;
    await delay(Math.min(intervalMs, left));
  }
}

/** One sample and when it was taken (Date.now()). */
export interface Sample<T> {
  at: number;
  value: T;
}

export interface Sampling<T> {
  readonly name: string;
  /** Every sample so far, oldest first. */
  readonly samples: Sample<T>[];
  /** When the latest sample was taken (Date.now()), 0 before the first. */
  lastAt(): number;
  /** Stop sampling (after the sample in progress, if any) and return every sample. */
  stop(): Promise<Sample<T>[]>;
}

/**
 * Sample `sample()` every `intervalMs` (default 200 ms) until stop(), in the background: for
 * what a test watches throughout while it does something else. A sample that throws ends the
 * sampling, and stop() rejects with its error (catch inside `sample` to record failures instead).
 */
export function startSampling<T>(name: string, sample: () => T | Promise<T>, options: Pick<WaitOptions, 'intervalMs'> = {}): Sampling<T> {
  const intervalMs = options.intervalMs ?? 200;
  const samples: Sample<T>[] = [];
  let running = true;
  let wake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  const loop = (async () => {
    while (running) {
      try {
        const value = await sample();
        samples.push({ at: Date.now(), value });
      } catch (error) {
        failure = { error };
        return;
      }
      if (!running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    name,
    samples,
    lastAt: () => samples.at(-1)?.at ?? 0,
    async stop() {
      running = false;
      wake?.();
      await loop;
      if (failure) throw new Error(`${name}: a sample failed: ${describeSeen(failure)}`);
      return samples;
    },
  };
}

/** Sample `sample()` every `intervalMs` over a window of `ms` (first sample at once, last at the end); the values, oldest first. */
export async function measureFor<T>(
  name: string,
  ms: number,
  sample: () => T | Promise<T>,
  options: Pick<WaitOptions, 'intervalMs'> = {},
): Promise<T[]> {
  const intervalMs = options.intervalMs ?? 200;
  const values: T[] = [];
  const end = performance.now() + ms;
  for (;;) {
    try {
      values.push(await sample());
    } catch (error) {
      throw new Error(`${name}: a sample failed: ${describeSeen({ error })}`);
    }
    const left = end - performance.now();
    if (left <= 0) return values;
    await delay(Math.min(intervalMs, left));
  }
}
