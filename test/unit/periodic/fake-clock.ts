/** A hand-driven Clock for the periodic unit tests: time moves only in advance(). */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Clock } from '../../../src/periodic/clock.js';

interface Timer {
  id: number;
  at: number;
  callback: () => void;
}

/** Let promise chains and setImmediate callbacks run (bounded). */
export async function settle(rounds = 5): Promise<void> {
  for (let round = 0; round < rounds; round += 1) await new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();
  readonly start: number;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
    this.start = start;
  }

  now(): number {
    return this.#now;
  }

  /** Seconds since construction, for readable assertions. */
  elapsed(): number {
    return (this.#now - this.start) / 1000;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Seconds from now to the earliest pending timer, or undefined. */
  nextTimerIn(): number | undefined {
    const next = this.#next(Infinity);
    return next === undefined ? undefined : (next.at - this.#now) / 1000;
  }

  /** Move time without firing timers, as a blocked event loop would; advance(0) fires them late. */
  jump(seconds: number): void {
    this.#now += seconds * 1000;
  }

  /** Move time forward by `seconds`, firing due timers in order and settling after each. */
  async advance(seconds: number): Promise<void> {
    const target = this.#now + seconds * 1000;
    await settle();
    for (let fired = 0; fired < 10_000; fired += 1) {
      const next = this.#next(target);
      if (next === undefined) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  #next(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.at <= limit && (!best || timer.at < best.at || (timer.at === best.at && timer.id < best.id))) best = timer;
    }
    return best;
  }
}

/** A debug-level pino logger whose lines land in `lines` (parsed). */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}
