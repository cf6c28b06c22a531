/**
 * Which broker to try next and how long to wait first, as oslo.messaging with kombu does it:
 * - the transport URL's hosts are shuffled once (impl_rabbit.py `random.shuffle(url.hosts)`), so
 *   a fleet spreads over a cluster's nodes;
 * - `kombu_failover_strategy`: `round-robin` cycles through that order, `shuffle` reshuffles it
 *   at the start of every cycle (kombu's `shufflecycle`);
 * - after a loss the first attempt waits `kombu_reconnect_delay`; the next host of a cycle is
 *   tried at once, and only a whole failed cycle waits the growing backoff
 *   (`rabbit_retry_interval` + n × `rabbit_retry_backoff`, at most `rabbit_interval_max`), as
 *   kombu's `ensure_connection` does;
 * - every wait has jitter: drawn from [w/2, w] (then + 0..`kombu_reconnect_splay`), so clients
 *   that lost the same node do not come back in lock-step. oslo waits exactly w.
 */
import { InvalidArgumentError } from '../../../errors.js';
import type { FailoverStrategy } from './settings.js';

/** A random number in [0, 1); injectable for tests. */
export type Random = () => number;

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Endless host order per kombu_failover_strategy. */
export class HostCycle<T> {
  readonly #strategy: FailoverStrategy;
  readonly #random: Random;
  #order: T[];
  #next = 0;

  constructor(hosts: readonly T[], { strategy, random = Math.random }: { readonly strategy: FailoverStrategy; readonly random?: Random }) {
    if (hosts.length === 0) throw new InvalidArgumentError('no broker hosts');
    this.#strategy = strategy;
    this.#random = random;
    this.#order = shuffled(hosts, random);
  }

  /** Hosts in one cycle. */
  get size(): number {
    return this.#order.length;
  }

  /** The host to try now. */
  next(): T {
    if (this.#next === this.#order.length) {
      this.#next = 0;
      if (this.#strategy === 'shuffle') this.#order = shuffled(this.#order, this.#random);
    }
    return this.#order[this.#next++]!;
  }
}

export interface ReconnectTiming {
  readonly retryIntervalMs: number;
  readonly retryBackoffMs: number;
  readonly intervalMaxMs: number;
  readonly reconnectDelayMs: number;
  readonly reconnectSplayMs: number;
}

/** `wait` drawn from [wait/2, wait], plus 0..splay. */
export function jittered(waitMs: number, splayMs: number, random: Random = Math.random): number {
  return waitMs / 2 + random() * (waitMs / 2) + random() * splayMs;
}

/**
 * The wait before reconnect attempt `attempt` (0-based) after a loss, with `hosts` hosts in the
 * cycle: kombu_reconnect_delay before the first, nothing before the other hosts of a cycle, the
 * growing backoff before each new cycle.
 */
export function reconnectWaitMs(timing: ReconnectTiming, attempt: number, hosts: number, random: Random = Math.random): number {
  if (attempt === 0) return jittered(timing.reconnectDelayMs, timing.reconnectSplayMs, random);
  if (attempt % hosts !== 0) return 0;
  const cycle = attempt / hosts - 1;
  const backoff = Math.min(timing.retryIntervalMs + cycle * timing.retryBackoffMs, timing.intervalMaxMs);
  return jittered(backoff, timing.reconnectSplayMs, random);
}
