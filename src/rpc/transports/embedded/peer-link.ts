/**
 * The direct path's connections between two workers (direct.ts): a stream of text records, one
 * a line. Records are short and their bodies are JSON texts, which hold no raw newline, so a
 * body is written as it is: no second JSON layer to escape and parse as on the IPC channel.
 *
 * Caller → server (the side that dialled):   q <reply queue>        its reply queue is here
 *                                             d <n> <tag> <body>     a delivery for consumer <tag>
 * Server → caller:                            a <n> / j <n>          delivery n acked / rejected
 *                                             b <n>                  delivery n given back (requeue, no such consumer)
 *                                             r <body>               a reply for the caller's reply queue
 */

/** One connection to or from another worker, as whole records. */
export interface PeerConnection {
  /** Send records (each ending in "\n"); false when the connection is closed. */
  write(text: string): boolean;
  /** Each record received, without its newline, in order. */
  onRecord(handler: (record: string) => void): void;
  /** Once, when the connection is gone (either side closed it, or the peer died). */
  onClose(handler: () => void): void;
  /** Close after what was written. */
  end(): void;
  /** Close at once (a peer that breaks the protocol). */
  destroy(): void;
}

/** How workers reach each other: unix sockets between processes (peer-socket.ts), memory in tests. */
export interface PeerNetwork {
  /** Accept connections; resolves with the address other workers connect to. */
  listen(onConnection: (connection: PeerConnection) => void): Promise<string>;
  /** Connect to another worker's address. */
  connect(address: string): Promise<PeerConnection>;
  /** Stop accepting; connections are closed by their owners. */
  close(): void;
}

/** Records queued for one connection, written together once the event loop's poll phase is done. */
export class Outbox {
  readonly #connection: PeerConnection;
  #text = '';
  readonly #flush = (): void => {
    const text = this.#text;
    this.#text = '';
    if (text !== '') this.#connection.write(text);
  };

  constructor(connection: PeerConnection) {
    this.#connection = connection;
  }

  push(record: string): void {
    if (this.#text === '') setImmediate(this.#flush);
    this.#text += record;
    // A long batch goes at once, as frame-batch.ts does with 256 frames.
    if (this.#text.length > OUTBOX_FLUSH_CHARS) this.#flush();
  }

  /** Write what is queued now (before the connection ends). */
  flush(): void {
    this.#flush();
  }
}

const OUTBOX_FLUSH_CHARS = 256 * 1024;
