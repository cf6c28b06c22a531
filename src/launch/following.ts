/** The new launcher's side of a handover (handover.ts has the old one's; handover-wiring.ts joins them to the parts). */
import type { Logger } from '../logging/logger.js';
import type { ListenSocket } from '../supervisor/listen-socket.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { VERSION } from '../version.js';
import { HandoverMessages, isHandoverMessage, type ConnectionTarget } from './handover.js';

/**
 * The new launcher's side of a handover, while the old one runs: accept only once every worker
 * serves, then say so; take over when told (or when the old launcher is gone without a word);
 * serve the connections the old one passes on while it drains.
 */
export class Following {
  readonly #socket: ListenSocket;
  readonly #supervisor: Supervisor;
  readonly #logger: Logger;
  #takeOver: (() => Promise<string[]>) | undefined;
  #route: ((target: ConnectionTarget | undefined, handle: unknown) => void) | undefined;
  #taking: Promise<string[]> | undefined;
  tookOver = false;

  constructor(socket: ListenSocket, supervisor: Supervisor, logger: Logger) {
    this.#socket = socket;
    this.#supervisor = supervisor;
    this.#logger = logger;
  }

  start(hooks: { onTakeOver: () => Promise<string[]>; route: (target: ConnectionTarget | undefined, handle: unknown) => void }): void {
    this.#takeOver = hooks.onTakeOver;
    this.#route = hooks.route;
    process.on('message', this.#onMessage);
    process.once('disconnect', this.#onDisconnect);
    void this.#supervisor.ready.then(async () => {
      await this.#socket.startAccepting();
      if (process.connected) process.send!({ type: HandoverMessages.ready, pid: process.pid, version: VERSION, node: process.version });
    });
  }

  stop(): void {
    process.off('message', this.#onMessage);
    process.off('disconnect', this.#onDisconnect);
  }

  #take(): Promise<string[]> {
    this.#taking ??= this.#takeOver!().finally(() => (this.tookOver = true));
    return this.#taking;
  }

  readonly #onMessage = (message: unknown, handle: unknown): void => {
    if (isHandoverMessage(message, HandoverMessages.connection)) this.#route!(message.target, handle);
    else if (isHandoverMessage(message, HandoverMessages.take)) {
      void this.#take().then((adopted) => {
        if (process.connected) process.send!({ type: HandoverMessages.taken, pid: process.pid, adopted });
      });
    }
  };

  /** The old launcher is gone: after taking over it exited; before, it died (or was killed) and this one carries on. */
  readonly #onDisconnect = (): void => {
    this.stop();
    const state = this.#supervisor.state;
    if (this.tookOver || this.#taking || state === 'stopping' || state === 'stopped') return;
    this.#logger.warn('the launcher this one replaces went away before the handover finished; taking over now');
    void this.#socket.startAccepting().then(() => this.#take());
  };
}
