/**
 * Warnings that a flood could repeat thousands of times a second (forged reports, refused
 * connections, malformed notifications): each message is logged the first time, then at most
 * once per interval with how many were dropped between.
 */
import type { Logger } from './logger.js';

export class ThrottledWarning {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #byMessage = new Map<string, { lastAt: number; suppressed: number }>();

  constructor(logger: Logger, intervalMs = 10_000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
  }

  warn(fields: Record<string, unknown>, message: string): void {
    this.#log('warn', fields, message);
  }

  info(fields: Record<string, unknown>, message: string): void {
    this.#log('info', fields, message);
  }

  #log(level: 'warn' | 'info', fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const state = this.#byMessage.get(message);
    if (state && now - state.lastAt < this.#intervalMs) {
      state.suppressed++;
      return;
    }
    this.#logger[level]({ ...fields, suppressed: state?.suppressed ?? 0 }, message);
    this.#byMessage.set(message, { lastAt: now, suppressed: 0 });
  }
}
