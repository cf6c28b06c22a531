/**
 * Tracks the connections of one HttpService and the responses in flight on each, because a
 * server that never calls listen() gets none of node's own tracking (closeIdleConnections and
 * the headers-timeout checks hang off the 'listening' event).
 *
 * A connection is idle when no response is in flight on it. Drain destroys idle connections at
 * once and lets busy ones close after their last response; sweep bounds how long a connection
 * may wait for a complete request (idle keep-alive time plus header time: slowloris).
 *
 * For TLS the socket we are handed is wrapped by a TLSSocket we never see until its handshake
 * ends ('secureConnection'). Both share one TCP handle, so the peer address and port pair them.
 */
import { performance } from 'node:perf_hooks';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { stopReading } from '../internals/socket-read-stop.js';

interface Connection {
  /** The socket handed to handleConnection. */
  readonly transport: Socket;
  /** The socket node's HTTP parser reads (the transport, or its TLSSocket); unset while handshaking. */
  http: Socket | undefined;
  /** In arrival order; HTTP/1.1 answers a connection's requests in order, so usually one. */
  readonly responses: ServerResponse[];
  /** performance.now() when the last response closed (or the connection arrived). */
  idleSince: number;
  peer: string | undefined;
}

// The connection record rides on the HTTP-level socket, and on each response in flight, as a
// symbol-keyed property: a lookup per request and per response, cheaper than a WeakMap. The
// response keeps its own because node may detach `req.socket` before the response closes.
const kConnection = Symbol('oslo-node.connection');
type TaggedSocket = Socket & { [kConnection]?: Connection };
type TaggedResponse = ServerResponse & { [kConnection]?: Connection };

/** `req.socket` is null once node detached the request from its socket (an early 413, say). */
function connectionOf(socket: Socket | null): Connection | undefined {
  return socket ? (socket as TaggedSocket)[kConnection] : undefined;
}

function tag(socket: Socket, conn: Connection): void {
  (socket as TaggedSocket)[kConnection] = conn;
}

function peerOf(socket: Socket): string | undefined {
  return socket.remoteAddress === undefined ? undefined : `${socket.remoteAddress}|${socket.remotePort}`;
}

/** Remove `res` from `responses`; false when it was not there. The oldest is the usual one. */
function removeResponse(responses: ServerResponse[], res: ServerResponse): boolean {
  if (responses[0] === res) {
    responses.shift();
    return true;
  }
  const index = responses.indexOf(res);
  if (index === -1) return false;
  responses.splice(index, 1);
  return true;
}

/** Gives an idle plain socket to the launcher; false when it could not be sent. */
export type HandBack = (socket: Socket) => boolean;

/** Connection and in-flight bookkeeping for one HttpService. */
export class ConnectionTracker {
  readonly #connections = new Map<Socket, Connection>();
  readonly #handshaking = new Map<string, Connection>();
  readonly #onAbandoned: (res: ServerResponse) => void;
  #draining = false;
  #inIdleGrace = false;
  #handBack: HandBack | undefined;
  #handedBack = 0;
  #onEmpty: (() => void) | undefined;

  /** `onAbandoned` is called for responses still queued when their connection closes (node emits no 'close' for them). */
  constructor(onAbandoned: (res: ServerResponse) => void) {
    this.#onAbandoned = onAbandoned;
  }

  /** Open connections. */
  get size(): number {
    return this.#connections.size;
  }

  /** Idle connections given to `handBack` during a drain. */
  get handedBack(): number {
    return this.#handedBack;
  }

  /** Track a socket given to handleConnection; `tls` when a TLSSocket will wrap it. */
  add(socket: Socket, tls: boolean): void {
    const conn = this.#track(socket);
    if (!tls) {
      conn.http = socket;
      tag(socket, conn);
    } else {
      conn.peer = peerOf(socket);
      if (conn.peer !== undefined) this.#handshaking.set(conn.peer, conn);
    }
  }

  /** A TLS handshake finished: from now on requests arrive on `tlsSocket`. */
  secured(tlsSocket: Socket): void {
    const peer = peerOf(tlsSocket);
    let conn = peer === undefined ? undefined : this.#handshaking.get(peer);
    if (conn) {
      this.#handshaking.delete(conn.peer as string);
      conn.peer = undefined;
      const paired = conn;
      tlsSocket.once('close', () => this.#remove(paired));
    } else {
      // Not paired (peer already gone): track it on its own so it is still drained.
      conn = this.#track(tlsSocket);
    }
    conn.http = tlsSocket;
    tag(tlsSocket, conn);
    if (this.#draining) tlsSocket.destroy();
  }

  /** A request arrived on `socket` (req.socket); its response is in flight until requestEnded or abandoned. */
  requestStarted(socket: Socket, res: ServerResponse): void {
    // Every HTTP-level socket is tagged before node parses from it; adopt one that is not, to be safe.
    const conn = connectionOf(socket) ?? this.#adopt(socket);
    conn.responses.push(res);
    (res as TaggedResponse)[kConnection] = conn;
  }

  /** Responses in flight on the HTTP-level socket `socket` (req.socket). */
  responsesOn(socket: Socket | null): ServerResponse[] {
    const conn = connectionOf(socket);
    return conn ? [...conn.responses] : [];
  }

  /** Every response in flight. */
  forEachResponse(visit: (res: ServerResponse) => void): void {
    for (const conn of this.#connections.values()) for (const res of conn.responses) visit(res);
  }

  /**
   * The response closed or was abandoned: true the first time for a response in flight. In a
   * drain, a connection left idle is ended.
   */
  requestEnded(res: ServerResponse): boolean {
    const conn = (res as TaggedResponse)[kConnection];
    if (!conn || !removeResponse(conn.responses, res)) return false;
    if (conn.responses.length > 0) return true;
    conn.idleSince = performance.now();
    // Its response may have gone out with keep-alive before the drain began: close after flushing,
    // unless a reload's idle grace runs, in which the client may already be sending its next
    // request on this connection (that one is answered with Connection: close).
    if (this.#draining && !this.#inIdleGrace) conn.http?.end();
    return true;
  }

  /**
   * Stop keeping connections: end the busy ones after their last response, and destroy the idle
   * ones now, or, with `idleGraceMs`, once each has been idle that long. The grace is for a
   * rolling restart, where the launcher keeps accepting: a client may be writing its next request
   * on an idle keep-alive connection at this very moment, and closing under it would fail that
   * request. A connection in use is therefore never closed between two of its requests: its
   * next request is served with `Connection: close` and the connection then ends cleanly. One
   * left quiet for the whole grace is given to `handBack` when there is one (plain HTTP only:
   * the launcher passes it to the next worker, and a request the client writes meanwhile waits
   * in the kernel), else destroyed. Resolves when every connection has closed or been handed back.
   */
  drain(idleGraceMs = 0, handBack?: HandBack): Promise<void> {
    this.#draining = true;
    this.#inIdleGrace = idleGraceMs > 0;
    this.#handBack = handBack;
    if (idleGraceMs > 0) setTimeout(() => this.#releaseQuiet(idleGraceMs), idleGraceMs).unref();
    else this.#releaseQuiet(0);
    if (this.#connections.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onEmpty = resolve;
    });
  }

  /** Release (hand back or destroy) the connections idle for at least `quietMs`; look again when the next one would be. */
  #releaseQuiet(quietMs: number): void {
    const now = performance.now();
    let nextCheckMs = Infinity;
    for (const conn of this.#connections.values()) {
      if (conn.responses.length > 0) continue;
      const idleMs = now - conn.idleSince;
      if (idleMs >= quietMs) this.#release(conn);
      else nextCheckMs = Math.min(nextCheckMs, quietMs - idleMs);
    }
    // Busy connections are looked at again once their last response has left them quiet as long.
    if (quietMs > 0 && this.#connections.size > 0) setTimeout(() => this.#releaseQuiet(quietMs), Math.min(nextCheckMs, quietMs)).unref();
  }

  /** Destroy connections that have waited longer than `limitMs` for a complete request. */
  sweep(limitMs: number): void {
    const deadline = performance.now() - limitMs;
    for (const conn of this.#connections.values()) {
      if (conn.responses.length === 0 && conn.idleSince < deadline) conn.transport.destroy();
    }
  }

  /** Destroy every connection; returns how many there were and how many had a request in flight. */
  destroyAll(): { connections: number; busy: number } {
    let busy = 0;
    for (const conn of this.#connections.values()) {
      if (conn.responses.length > 0) busy++;
      conn.transport.destroy();
      conn.http?.destroy();
    }
    return { connections: this.#connections.size, busy };
  }

  /** Hand a quiet connection back when possible, else destroy it. */
  #release(conn: Connection): void {
    const socket = conn.transport;
    if (this.#handBack && conn.http === socket && !socket.destroyed && stopReading(socket) && this.#handBack(socket)) {
      // The handle went to the launcher; this process's socket object will never emit 'close'.
      this.#handedBack++;
      this.#remove(conn);
      return;
    }
    socket.destroy();
  }

  #track(transport: Socket): Connection {
    const conn: Connection = { transport, http: undefined, responses: [], idleSince: performance.now(), peer: undefined };
    this.#connections.set(transport, conn);
    transport.once('close', () => this.#remove(conn));
    return conn;
  }

  /** A connection record for a request whose socket we were never handed (or already lost). */
  #adopt(socket: Socket): Connection {
    const conn = this.#track(socket);
    conn.http = socket;
    tag(socket, conn);
    return conn;
  }

  #remove(conn: Connection): void {
    if (this.#connections.get(conn.transport) !== conn) return;
    this.#connections.delete(conn.transport);
    if (conn.peer !== undefined) this.#handshaking.delete(conn.peer);
    const abandoned = conn.responses.splice(0);
    for (const res of abandoned) this.#onAbandoned(res);
    if (this.#connections.size === 0 && this.#onEmpty) {
      const resolve = this.#onEmpty;
      this.#onEmpty = undefined;
      resolve();
    }
  }
}
