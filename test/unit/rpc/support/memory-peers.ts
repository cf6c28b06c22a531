/**
 * Workers' direct connections (peer-link.ts) in memory: records cross on setImmediate, as over a
 * socket, and a "worker" can be killed: its listener goes and every connection to or from it
 * closes at once, with nothing more delivered (what kill -9 does to its sockets).
 */
import type { PeerConnection, PeerNetwork } from '../../../../src/rpc/transports/embedded/peer-link.js';

interface End extends PeerConnection {
  readonly owner: string;
  /** Close both ends now: nothing more is written; what was written is still read. */
  cut(): void;
}

export interface MemoryPeers {
  /** A network for one worker. */
  network(): PeerNetwork & { readonly address: string | undefined };
  /** The worker at `address` dies. */
  kill(address: string): void;
  /** Records sent so far, by their type letter (d, a, j, b, r, q). */
  readonly records: Map<string, number>;
}

export function memoryPeers(): MemoryPeers {
  const listeners = new Map<string, (connection: PeerConnection) => void>();
  const ends = new Set<End>();
  const records = new Map<string, number>();
  let seq = 0;

  /** Two connected ends: `a` owned by `aOwner`, `b` by `bOwner`. */
  const pair = (aOwner: string, bOwner: string): [End, End] => {
    type Side = End & { other?: Side; handler?: (record: string) => void; closed: boolean; dead: boolean; onClosed: (() => void)[] };
    const make = (owner: string): Side => {
      const side: Side = {
        owner,
        closed: false,
        dead: false,
        onClosed: [],
        write(text) {
          if (side.closed) return false;
          const lines = text.split('\n').slice(0, -1);
          for (const record of lines) records.set(record[0]!, (records.get(record[0]!) ?? 0) + 1);
          // Written is written: the other side reads it even if this one dies (a socket's buffer).
          setImmediate(() => {
            const other = side.other!;
            if (!other.dead) for (const record of lines) other.handler?.(record);
          });
          return true;
        },
        onRecord(handler) {
          side.handler = handler;
        },
        onClose(handler) {
          side.onClosed.push(handler);
        },
        end() {
          // After what was written: the deliveries queued before run first.
          setImmediate(() => side.cut());
        },
        destroy() {
          side.cut();
        },
        cut() {
          for (const end of [side, side.other!]) {
            if (end.closed) continue;
            end.closed = true;
            ends.delete(end);
            // A dead process runs nothing more; the living side learns of the close after what it was sent.
            if (!end.dead)
              setImmediate(() => {
                for (const handler of end.onClosed) handler();
              });
          }
        },
      };
      ends.add(side);
      return side;
    };
    const a = make(aOwner);
    const b = make(bOwner);
    a.other = b;
    b.other = a;
    return [a, b];
  };

  /** Mark a side dead (it reads and runs nothing more), then cut it. */
  const die = (end: End): void => {
    (end as End & { dead: boolean }).dead = true;
    end.cut();
  };

  return {
    records,
    network() {
      let address: string | undefined;
      const self = `mem-${++seq}`;
      return {
        get address() {
          return address;
        },
        async listen(onConnection) {
          address = self;
          listeners.set(self, onConnection);
          return self;
        },
        async connect(to) {
          const accept = listeners.get(to);
          if (!accept) throw new Error(`nothing listens at ${to}`);
          const [dialled, accepted] = pair(self, to);
          setImmediate(() => accept(accepted));
          return dialled;
        },
        close() {
          listeners.delete(self);
        },
      };
    },
    kill(address) {
      listeners.delete(address);
      for (const end of [...ends]) if (end.owner === address) die(end);
    },
  };
}
