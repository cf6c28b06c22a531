/**
 * oslo.messaging's queue manager (`use_queue_manager`, amqpdriver.QManager): reply and fanout
 * queue names `<hostname>:<processname>:<n>` instead of random ones, so that a restarted service
 * reuses its queues instead of leaving them to expire and declaring new ones (costly at scale).
 *
 * As oslo: the counter n is shared by every process of one process group (the launcher and its
 * workers) through `/dev/shm/<hostname>_<processname>_qmanager`, holding `pgid:counter:start`;
 * a new process group, or the same id with another start time (a reboot, a container), starts
 * over at 1, which is what makes the names repeat across restarts. oslo serialises the
 * read-increment-write with an oslo.concurrency file lock; here an O_EXCL lock file beside the
 * counter does it (two languages never share a counter: processname differs).
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';

/** Where oslo keeps the counters. */
const SHM_DIR = '/dev/shm';
/** A lock older than this was left by a process that died holding it. */
const STALE_LOCK_MS = 5000;
const LOCK_RETRY_MS = 2;

/** This process's group id and the group leader's start time (jiffies since boot). */
function processGroup(): { pgid: number; startTime: number } {
  const fields = (pid: number | 'self'): string[] => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)", which may itself hold spaces: state is field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  };
  const pgid = Number(fields('self')[2]);
  let startTime: number;
  try {
    startTime = Number(fields(pgid)[19]);
  } catch {
    // The group leader is gone (a shell that exited, leaving its children in its group). Every
    // member must still agree on one value, so none of ours: 0. A new group that reuses the id
    // has a live leader with a real start time, so it still starts over (oslo raises here).
    startTime = 0;
  }
  return { pgid, startTime };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Hands out `<hostname>:<processname>:<n>` with n unique across the process group. */
export class QueueManager {
  readonly #prefix: string;
  readonly #file: string;
  readonly #group = processGroup();

  constructor({
    hostname,
    processname,
    dir = SHM_DIR,
  }: { readonly hostname: string; readonly processname: string; readonly dir?: string }) {
    this.#prefix = `${hostname}:${processname}`;
    this.#file = `${dir}/${hostname}_${processname}_qmanager`;
  }

  /** The next name (one per reply or fanout queue, as oslo's QManager.get()). */
  next(): string {
    return `${this.#prefix}:${this.#withLock(() => this.#increment())}`;
  }

  #increment(): number {
    let counter = 0;
    try {
      const [pgid, stored, startTime] = readFileSync(this.#file, 'utf8').trim().split(':').map(Number);
      if (pgid === this.#group.pgid && startTime === this.#group.startTime && Number.isInteger(stored)) counter = stored!;
    } catch {
      // No counter yet (or unreadable): start over, as oslo does.
    }
    counter += 1;
    writeFileSync(this.#file, `${this.#group.pgid}:${counter}:${this.#group.startTime}`);
    return counter;
  }

  /** Run `fn` holding the lock file; the allocation is a few microseconds, so spinning is fine. */
  #withLock<T>(fn: () => T): T {
    const lock = `${this.#file}.lock`;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx'));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        try {
          if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock);
        } catch {
          // Released meanwhile.
        }
        sleepSync(LOCK_RETRY_MS);
      }
    }
    try {
      return fn();
    } finally {
      unlinkSync(lock);
    }
  }
}
