/**
 * The router's confirmations of quiet publishes (frames.ts). A call's request and a reply are
 * published quietly: their senders do not wait for the confirm (the reply settles the call), so a
 * `done` per publish only cost the launcher a write and the sender a wake-up. A failure is still
 * answered at once; success is told as `seen: N` on the next delivery to the link, or by a `done`
 * for N after `idleMs` when no frame goes to the link meanwhile.
 */
import type { RouterFrame } from './frames.js';

/** How long a quiet publish's success waits for a frame to ride on before it is sent alone. */
export const QUIET_CONFIRM_IDLE_MS = 20;

interface ConfirmedLink {
  readonly send: (frame: RouterFrame) => void;
}

/** Per link, the newest quiet publish handled without failure and not told yet. */
export class QuietConfirms {
  readonly #idleMs: number;
  readonly #untold = new Map<ConfirmedLink, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(idleMs = QUIET_CONFIRM_IDLE_MS) {
    this.#idleMs = idleMs;
  }

  /** Quiet publish `id` of `link` was handled and routed. */
  handled(link: ConfirmedLink, id: number): void {
    this.#untold.set(link, id);
    if (this.#timer) return;
    // Not unref'd: someone may be waiting for this confirmation, and the timer ends by itself.
    this.#timer = setTimeout(() => this.#tellAlone(), this.#idleMs);
  }

  /** The id for `seen` on a frame about to go to `link` (then told), or undefined. */
  take(link: ConfirmedLink): number | undefined {
    if (this.#untold.size === 0) return undefined;
    const id = this.#untold.get(link);
    if (id !== undefined) this.#untold.delete(link);
    return id;
  }

  /** `link` is sent a `done` (which confirms every earlier frame) or is gone. */
  forget(link: ConfirmedLink): void {
    if (this.#untold.size !== 0) this.#untold.delete(link);
  }

  /** Tell every confirmation now and stop the timer (the router stops). */
  close(): void {
    clearTimeout(this.#timer);
    this.#tellAlone();
  }

  #tellAlone(): void {
    this.#timer = undefined;
    const untold = [...this.#untold];
    this.#untold.clear();
    for (const [link, id] of untold) link.send({ t: 'done', id });
  }
}
