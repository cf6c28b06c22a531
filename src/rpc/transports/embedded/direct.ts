/**
 * The embedded transport's direct path: a call's request and its reply go straight between the
 * two workers (peer-link.ts) instead of through the launcher's router, which still decides
 * everything else. Through the router a call is 4 IPC messages and 3 processes, each hop a
 * wake-up; directly it is 2 messages between the 2 workers, none when the caller serves the call
 * itself.
 *
 * What stays the router's: every queue, binding and consumer (membership), casts, fanout,
 * notifications, a publish nobody consumes, and the rpc CLI. The router tells a transport the
 * consumers behind an exchange and key it publishes calls to (a watched route, broker.ts) and
 * tells it again when they change. The caller then:
 * - picks the next consumer round-robin (competing consumers), skipping one whose deliveries
 *   from this caller not yet settled reach its prefetch, and sends the request to its worker;
 * - keeps every request until the server acks or rejects it; a request the server gives back
 *   (requeue, a consumer that is gone), and every unsettled one when the connection to the
 *   server closes (its worker died or stopped), is published again through the router: unstarted
 *   work is not lost with a server, as when the router requeues a dead link's unacked deliveries;
 * - publishes through the router whenever no route is known yet, no consumer has room, or the
 *   connection to the chosen worker is not up yet.
 * A server sends its ack and the reply on the connection the request came on; a reply to a
 * queue not announced there goes through the router. A server holds at most its prefetch of
 * unsettled deliveries per caller and again from the router.
 */
import type { Logger } from '../../../logging/logger.js';
import { ThrottledWarning } from '../../../logging/throttled-warning.js';
import type { RouteConsumer } from './frames.js';
import { Outbox, type PeerConnection, type PeerNetwork } from './peer-link.js';
import type { Settlement } from './delivery.js';

/** How a consumer of the transport takes a delivery: its body, its number, how to settle it. */
export type ConsumerHandler = (body: string, delivery: number, settle: (settlement: Settlement, delivery: number) => void) => void;

/** A request sent directly, kept until it is settled, to publish again through the router. */
export interface DirectMessage {
  readonly exchange: string;
  readonly key: string;
  readonly body: string;
  readonly mandatory: boolean;
  /** Date.now() past which the message is dropped rather than published again. */
  readonly expiresAt: number | undefined;
  readonly tag: string;
}

/** What the direct path needs of its transport. */
export interface DirectHost {
  readonly logger: Logger;
  /** The transport's consumer `tag`, while it has one. */
  consumer(tag: string): ConsumerHandler | undefined;
  /** The transport's reply queue once declared, and where its replies go. */
  readonly replyQueueName: string | undefined;
  onReply(body: string): void;
  /** Publish through the router a message the direct path gave back. */
  republish(message: DirectMessage): void;
  /** Ask the router for the consumers behind `exchange` + `key` (route frames follow). */
  watch(exchange: string, key: string): Promise<void>;
}

/** Most routes one transport watches; publishes to others go through the router. */
export const MAX_WATCHED_ROUTES = 1000;
/** How long a worker that could not be reached is left alone before another try, ms. */
const RETRY_CONNECT_MS = 1000;

interface Route {
  readonly to: readonly RouteConsumer[];
  next: number;
}

/** The connection to one other worker this transport sends requests to. */
class PeerOut {
  connection: PeerConnection | undefined;
  outbox: Outbox | undefined;
  /** Requests sent and not settled, by number. */
  readonly unsettled = new Map<number, DirectMessage>();
  /** Unsettled requests per consumer tag (its prefetch bounds them). */
  readonly inFlight = new Map<string, number>();
  seq = 0;

  constructor(readonly address: string) {}
}

/** A delivery made to this transport's own consumer, handed over on the next iteration. */
interface LocalDelivery {
  readonly tag: string;
  readonly n: number;
  readonly message: DirectMessage;
}

const RECORD_SEPARATOR = ' ';

export class DirectPath {
  readonly #network: PeerNetwork;
  readonly #host: DirectHost;
  readonly #warnings: ThrottledWarning;
  /** Watched routes by exchange, then key: the caller's strings, hashed once, no key built per call. */
  readonly #routes = new Map<string, Map<string, Route>>();
  #watched = 0;
  readonly #peers = new Map<string, PeerOut>();
  /** Connections other workers dialled to us, by the reply queue each announced. */
  readonly #replyConnections = new Map<string, Outbox>();
  readonly #accepted = new Set<PeerConnection>();
  /** Deliveries to our own consumers and replies to our own queue, for the next iteration. */
  #localQueue: (LocalDelivery | string)[] = [];
  readonly #localUnsettled = new Map<number, LocalDelivery>();
  readonly #localInFlight = new Map<string, number>();
  #localSeq = 0;
  #address: string | undefined;
  #closed = false;

  constructor(network: PeerNetwork, host: DirectHost) {
    this.#network = network;
    this.#host = host;
    this.#warnings = new ThrottledWarning(host.logger);
  }

  /** Accept connections from other workers: the address to tell the router, or undefined (no direct path). */
  async start(): Promise<string | undefined> {
    try {
      this.#address = await this.#network.listen((connection) => this.#accept(connection));
    } catch (error) {
      this.#host.logger.warn({ err: error }, 'embedded transport: no direct path between workers, calls go through the launcher');
      this.#closed = true;
      return undefined;
    }
    return this.#address;
  }

  /** The router told the consumers behind a watched route: connect to their workers now. */
  route(exchange: string, key: string, to: readonly RouteConsumer[]): void {
    const route = this.#routes.get(exchange)?.get(key);
    if (!route || this.#closed) return;
    this.#routes.get(exchange)!.set(key, { to, next: to.length === 0 ? 0 : route.next % to.length });
    for (const [address] of to) if (address !== this.#address) this.#peer(address);
  }

  /**
   * Send a call's request straight to a consumer: true when it went (or will go) directly,
   * false when the caller publishes through the router.
   */
  send(exchange: string, key: string, body: string, mandatory: boolean, expirationMs: number | undefined): boolean {
    if (this.#closed) return false;
    const route = this.#routes.get(exchange)?.get(key);
    if (route === undefined) {
      this.#watch(exchange, key);
      return false;
    }
    const to = route.to;
    const count = to.length;
    if (count === 0 || body.includes('\n')) return false;
    for (let i = 0; i < count; i++) {
      const index = (route.next + i) % count;
      const [address, tag, prefetch] = to[index]!;
      if (address === this.#address) {
        if (prefetch !== 0 && (this.#localInFlight.get(tag) ?? 0) >= prefetch) continue;
        if (this.#host.consumer(tag) === undefined) continue;
        route.next = index + 1;
        this.#deliverLocally(tag, { exchange, key, body, mandatory, expiresAt: expiry(expirationMs), tag });
        return true;
      }
      const peer = this.#peer(address);
      if (!peer.outbox) continue;
      if (prefetch !== 0 && (peer.inFlight.get(tag) ?? 0) >= prefetch) continue;
      route.next = index + 1;
      const n = ++peer.seq;
      peer.unsettled.set(n, { exchange, key, body, mandatory, expiresAt: expiry(expirationMs), tag });
      peer.inFlight.set(tag, (peer.inFlight.get(tag) ?? 0) + 1);
      peer.outbox.push(`d ${n} ${tag} ${body}\n`);
      return true;
    }
    return false;
  }

  /** Send a reply straight to the worker that made the call: true when it went, false to use the router. */
  reply(queue: string, body: string): boolean {
    if (this.#closed) return false;
    if (queue === this.#host.replyQueueName) {
      this.#queueLocal(body);
      return true;
    }
    const outbox = this.#replyConnections.get(queue);
    if (!outbox || body.includes('\n')) return false;
    outbox.push(`r ${body}\n`);
    return true;
  }

  /** The transport declared its reply queue: servers we are connected to learn it is here. */
  replyQueueDeclared(queue: string): void {
    for (const peer of this.#peers.values()) peer.outbox?.push(`q ${queue}\n`);
  }

  /**
   * Close every connection; requests not settled yet are published again through the router
   * (when the transport is still up) and local deliveries not started are dropped.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#network.close();
    for (const peer of [...this.#peers.values()]) {
      peer.outbox?.flush();
      peer.connection?.end();
    }
    for (const connection of [...this.#accepted]) connection.end();
    this.#localQueue = [];
  }

  #watch(exchange: string, key: string): void {
    if (this.#watched >= MAX_WATCHED_ROUTES) return;
    this.#watched++;
    let routes = this.#routes.get(exchange);
    if (!routes) this.#routes.set(exchange, (routes = new Map()));
    // Until the router answers, publishes here go through it.
    routes.set(key, { to: [], next: 0 });
    this.#host.watch(exchange, key).catch(() => undefined);
  }

  #peer(address: string): PeerOut {
    let peer = this.#peers.get(address);
    if (peer) return peer;
    peer = new PeerOut(address);
    this.#peers.set(address, peer);
    const connecting = peer;
    this.#network.connect(address).then(
      (connection) => this.#connected(connecting, connection),
      (error: unknown) => {
        this.#warnings.warn(
          { peer: address, err: error },
          'embedded transport: cannot reach a worker directly; its calls go through the launcher',
        );
        // Left in the map, without a connection, for a while: calls go through the router.
        setTimeout(() => {
          if (this.#peers.get(address) === connecting) this.#peers.delete(address);
        }, RETRY_CONNECT_MS).unref();
      },
    );
    return peer;
  }

  #connected(peer: PeerOut, connection: PeerConnection): void {
    if (this.#closed || this.#peers.get(peer.address) !== peer) {
      connection.end();
      return;
    }
    peer.connection = connection;
    peer.outbox = new Outbox(connection);
    const queue = this.#host.replyQueueName;
    if (queue !== undefined) peer.outbox.push(`q ${queue}\n`);
    connection.onRecord((record) => this.#fromServer(peer, connection, record));
    connection.onClose(() => this.#lost(peer));
  }

  /** The connection to a server is gone: what it did not settle goes through the router. */
  #lost(peer: PeerOut): void {
    if (this.#peers.get(peer.address) === peer) this.#peers.delete(peer.address);
    peer.outbox = undefined;
    const unsettled = [...peer.unsettled.values()];
    peer.unsettled.clear();
    peer.inFlight.clear();
    for (const message of unsettled) this.#giveBack(message);
  }

  #giveBack(message: DirectMessage): void {
    if (message.expiresAt !== undefined && message.expiresAt <= Date.now()) return;
    this.#host.republish(message);
  }

  /** A record from a worker we sent requests to: a settlement or a reply. */
  #fromServer(peer: PeerOut, connection: PeerConnection, record: string): void {
    const type = record.charCodeAt(0);
    if (type === 0x72 /* r */ && record.charCodeAt(1) === 0x20) {
      this.#host.onReply(record.slice(2));
      return;
    }
    const n = record.charCodeAt(1) === 0x20 ? Number(record.slice(2)) : Number.NaN;
    if ((type === 0x61 /* a */ || type === 0x6a /* j */ || type === 0x62) /* b */ && Number.isSafeInteger(n)) {
      const message = peer.unsettled.get(n);
      if (!message) return;
      peer.unsettled.delete(n);
      const inFlight = peer.inFlight.get(message.tag) ?? 1;
      if (inFlight <= 1) peer.inFlight.delete(message.tag);
      else peer.inFlight.set(message.tag, inFlight - 1);
      if (type === 0x62) this.#giveBack(message);
      return;
    }
    this.#malformed(connection, record);
  }

  /** A connection another worker dialled: its requests for our consumers, its reply queue. */
  #accept(connection: PeerConnection): void {
    if (this.#closed) {
      connection.destroy();
      return;
    }
    this.#accepted.add(connection);
    const outbox = new Outbox(connection);
    const announced = new Set<string>();
    const settle = (settlement: Settlement, n: number): void =>
      outbox.push(settlement === 'ack' ? `a ${n}\n` : settlement === 'reject' ? `j ${n}\n` : `b ${n}\n`);
    connection.onRecord((record) => {
      const type = record.charCodeAt(0);
      if (record.charCodeAt(1) !== 0x20) return this.#malformed(connection, record);
      if (type === 0x64 /* d */) {
        const tagAt = record.indexOf(RECORD_SEPARATOR, 2);
        const bodyAt = tagAt === -1 ? -1 : record.indexOf(RECORD_SEPARATOR, tagAt + 1);
        const n = Number(record.slice(2, tagAt));
        if (bodyAt === -1 || !Number.isSafeInteger(n) || n < 0) return this.#malformed(connection, record);
        const consumer = this.#closed ? undefined : this.#host.consumer(record.slice(tagAt + 1, bodyAt));
        if (consumer) consumer(record.slice(bodyAt + 1), n, settle);
        else outbox.push(`b ${n}\n`);
        return;
      }
      if (type === 0x71 /* q */ && record.length > 2) {
        const queue = record.slice(2);
        announced.add(queue);
        this.#replyConnections.set(queue, outbox);
        return;
      }
      this.#malformed(connection, record);
    });
    connection.onClose(() => {
      this.#accepted.delete(connection);
      for (const queue of announced) if (this.#replyConnections.get(queue) === outbox) this.#replyConnections.delete(queue);
    });
  }

  #malformed(connection: PeerConnection, record: string): void {
    this.#warnings.warn({ record: record.slice(0, 80) }, 'embedded transport: malformed record from another worker; connection closed');
    connection.destroy();
  }

  #deliverLocally(tag: string, message: DirectMessage): void {
    const n = ++this.#localSeq;
    const delivery = { tag, n, message };
    this.#localUnsettled.set(n, delivery);
    this.#localInFlight.set(tag, (this.#localInFlight.get(tag) ?? 0) + 1);
    this.#queueLocal(delivery);
  }

  /** Local deliveries and replies wait for the next iteration, as if they had crossed a socket. */
  #queueLocal(item: LocalDelivery | string): void {
    if (this.#localQueue.length === 0) setImmediate(this.#runLocal);
    this.#localQueue.push(item);
  }

  readonly #runLocal = (): void => {
    const items = this.#localQueue;
    this.#localQueue = [];
    for (const item of items) {
      if (typeof item === 'string') {
        this.#host.onReply(item);
        continue;
      }
      const consumer = this.#host.consumer(item.tag);
      if (consumer) consumer(item.message.body, item.n, this.#settleLocal);
      else this.#settleLocal('requeue', item.n);
    }
  };

  readonly #settleLocal = (settlement: Settlement, n: number): void => {
    const delivery = this.#localUnsettled.get(n);
    if (!delivery) return;
    this.#localUnsettled.delete(n);
    const inFlight = this.#localInFlight.get(delivery.tag) ?? 1;
    if (inFlight <= 1) this.#localInFlight.delete(delivery.tag);
    else this.#localInFlight.set(delivery.tag, inFlight - 1);
    if (settlement === 'requeue' && !this.#closed) this.#giveBack(delivery.message);
  };
}

function expiry(expirationMs: number | undefined): number | undefined {
  return expirationMs === undefined ? undefined : Date.now() + expirationMs;
}
