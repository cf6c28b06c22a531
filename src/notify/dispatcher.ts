/**
 * oslo.messaging's NotificationDispatcher and BatchNotificationDispatcher: an endpoint handles a
 * priority by having a method of that name (`info`, `error`, ...); its optional `filterRule`
 * (a NotificationFilter) screens what it gets. Endpoints run in order; the first REQUEUE stops
 * the round. A method that throws counts as REQUEUE, as in oslo.
 */
import type { Logger } from '../logging/logger.js';
import type { RequestContext } from '../rpc/context.js';
import type { Serializer } from '../rpc/serializer.js';
import type { NotificationFilter } from './filter.js';
import type { IncomingNotification } from './message.js';
import { PRIORITIES, type Priority } from './priorities.js';

/** What an endpoint method returns (nothing means HANDLED). */
export const NotificationResult = Object.freeze({ HANDLED: 'handled', REQUEUE: 'requeue' } as const);
export type NotificationResultValue = (typeof NotificationResult)[keyof typeof NotificationResult];

/** One notification as a batch endpoint receives it (oslo's message dict). */
export interface NotificationRecord {
  readonly ctxt: RequestContext;
  readonly publisher_id: unknown;
  readonly event_type: unknown;
  readonly payload: unknown;
  readonly metadata: { readonly message_id: unknown; readonly timestamp: unknown };
}

type Callback = (...args: unknown[]) => unknown;

interface Handler {
  readonly filter: NotificationFilter | undefined;
  readonly method: Callback;
}

/** The record an endpoint sees: context and payload through the serializer. */
function toRecord(serializer: Serializer, incoming: IncomingNotification): NotificationRecord {
  const ctxt = serializer.deserializeContext(incoming.ctxt);
  return {
    ctxt,
    publisher_id: incoming.publisherId,
    event_type: incoming.eventType,
    payload: serializer.deserializeEntity(ctxt, incoming.payload),
    metadata: incoming.metadata,
  };
}

function passes(handler: Handler, record: NotificationRecord): boolean {
  return (
    !handler.filter ||
    handler.filter.match({
      ctxt: record.ctxt,
      publisherId: record.publisher_id,
      eventType: record.event_type,
      metadata: record.metadata,
      payload: record.payload,
    })
  );
}

export class NotificationDispatcher {
  readonly #handlers = new Map<Priority, Handler[]>();
  readonly #serializer: Serializer;
  readonly #logger: Logger;

  constructor({
    endpoints,
    serializer,
    logger,
  }: { readonly endpoints: readonly object[]; readonly serializer: Serializer; readonly logger: Logger }) {
    this.#serializer = serializer;
    this.#logger = logger;
    for (const endpoint of endpoints) {
      for (const priority of PRIORITIES) {
        const method = (endpoint as Record<string, unknown>)[priority];
        if (typeof method !== 'function') continue;
        const filter = (endpoint as { filterRule?: NotificationFilter }).filterRule;
        const list = this.#handlers.get(priority) ?? [];
        list.push({ filter, method: (method as Callback).bind(endpoint) });
        this.#handlers.set(priority, list);
      }
    }
  }

  /** Priorities some endpoint handles: the listener consumes only these. */
  get priorities(): Priority[] {
    return PRIORITIES.filter((priority) => this.#handlers.has(priority));
  }

  /** Run one notification through the endpoints of its priority. */
  async dispatch(incoming: IncomingNotification): Promise<NotificationResultValue> {
    const record = toRecord(this.#serializer, incoming);
    for (const handler of this.#handlers.get(incoming.priority) ?? []) {
      if (!passes(handler, record)) continue;
      const result = await this.#run(() =>
        handler.method(record.ctxt, record.publisher_id, record.event_type, record.payload, record.metadata),
      );
      if (result === NotificationResult.REQUEUE) return result;
    }
    return NotificationResult.HANDLED;
  }

  /**
   * Run a batch: per priority, each endpoint gets the list of its notifications that pass its
   * filter. Returns the indexes to requeue (every notification of a priority whose endpoint said
   * REQUEUE, as oslo).
   */
  async dispatchBatch(batch: readonly IncomingNotification[]): Promise<Set<number>> {
    const requeue = new Set<number>();
    const byPriority = new Map<Priority, Array<{ index: number; record: NotificationRecord }>>();
    batch.forEach((incoming, index) => {
      const group = byPriority.get(incoming.priority) ?? [];
      group.push({ index, record: toRecord(this.#serializer, incoming) });
      byPriority.set(incoming.priority, group);
    });
    for (const [priority, group] of byPriority) {
      for (const handler of this.#handlers.get(priority) ?? []) {
        const records = group.filter((entry) => passes(handler, entry.record)).map((entry) => entry.record);
        if (records.length === 0) continue;
        const result = await this.#run(() => handler.method(records));
        if (result === NotificationResult.REQUEUE) {
          for (const entry of group) requeue.add(entry.index);
          break;
        }
      }
    }
    return requeue;
  }

  async #run(call: () => unknown): Promise<unknown> {
    try {
      return await call();
    } catch (error) {
      this.#logger.error({ err: error }, 'notification endpoint raised an exception');
      return NotificationResult.REQUEUE;
    }
  }
}
