/**
 * One message delivered to a consumer of the embedded transport. A class rather than an object
 * of three closures: a server makes one per request.
 */
import type { Delivery } from '../transport.js';

export type Settlement = 'ack' | 'reject' | 'requeue';

export class EmbeddedDelivery implements Delivery {
  readonly contentType = 'application/json';
  readonly body: string;
  readonly #delivery: number;
  readonly #settle: (settlement: Settlement, delivery: number) => void;
  #settled = false;

  /** `settle` sends the settlement frame (it drops it when the transport is closed). */
  constructor(body: string, delivery: number, settle: (settlement: Settlement, delivery: number) => void) {
    this.body = body;
    this.#delivery = delivery;
    this.#settle = settle;
  }

  ack(): void {
    this.#once('ack');
  }

  reject(): void {
    this.#once('reject');
  }

  requeue(): void {
    this.#once('requeue');
  }

  #once(settlement: Settlement): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle(settlement, this.#delivery);
  }
}
