/**
 * One end of the primary ⇄ worker IPC: typed sends, request/answer correlation by seq/ack,
 * a handler table, and rejection of every pending request when the peer goes away (so no
 * caller hangs on a dead worker, as platformatic's ITC does).
 */
import type { Serializable } from 'node:child_process';
import type { Socket } from 'node:net';
import { OsloNodeError, ErrorCodes, describeError, isErrorCode, type ErrorCode } from '../errors.js';
import { IPC_TAG, isTagged } from './messages.js';

/** The part of `process` / `cluster.Worker` the channel needs. */
export interface IpcEndpoint {
  send(message: Serializable, sendHandle?: Socket, options?: { keepOpen?: boolean }, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown, handle?: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown, handle?: unknown) => void): unknown;
}

/** The peer exited or disconnected while a request was pending. */
export class WorkerExitedError extends OsloNodeError {
  constructor(reason: string, cause?: unknown) {
    super(ErrorCodes.IPC_WORKER_EXITED, `IPC peer went away: ${reason}`, { cause });
  }
}

/**
 * The other side's handler failed. The code is the remote error's when it is one of ours
 * (ERR_IPC_REMOTE otherwise), so a caller can tell a closed service from a timeout across IPC.
 */
export class IpcRemoteError extends OsloNodeError {
  constructor(message: string, code: ErrorCode = ErrorCodes.IPC_REMOTE) {
    super(code, message);
  }
}

/** What a failed answer carries. */
interface FailedReply {
  readonly error?: string;
  readonly code?: string;
}

/** A send to a peer that is gone: its exit is reported elsewhere. */
const ignoreSendError = (): void => {};

type Handler<In> = (message: In, handle: unknown) => unknown;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

/** `In` is what arrives, `Out` what this side sends (both without the tag). */
export class IpcChannel<In extends { type: string }, Out extends { type: string }> {
  #endpoint: IpcEndpoint;
  #handlers = new Map<string, Handler<In>>();
  #pending = new Map<number, Pending>();
  #seq = 0;
  #closed: string | undefined;
  #onMessage = (message: unknown, handle?: unknown): void => this.#dispatch(message, handle);

  constructor(endpoint: IpcEndpoint) {
    this.#endpoint = endpoint;
    endpoint.on('message', this.#onMessage);
  }

  /** Handle messages of `type`; a returned value (or promise) answers a request. */
  handle<T extends In['type']>(type: T, handler: (message: Extract<In, { type: T }>, handle: unknown) => unknown): this {
    this.#handlers.set(type, handler as Handler<In>);
    return this;
  }

  /**
   * Fire-and-forget; false when the channel is closed. True means queued: node's own `false`
   * only says that messages are waiting (always, while a socket handle is in flight), and
   * reading it as a failure killed a reloading worker instead of asking it to drain.
   */
  send(message: Out, handle?: Socket): boolean {
    if (this.#closed) return false;
    try {
      // Always with a callback: without one, node reports a closed channel as an 'error' event
      // on the process object, which nobody listens to, and the primary would crash.
      this.#endpoint.send({ [IPC_TAG]: 1, ...message } as unknown as Serializable, handle, { keepOpen: false }, ignoreSendError);
      return true;
    } catch {
      // ERR_IPC_CHANNEL_CLOSED: the peer is gone; the exit handler reports it.
      return false;
    }
  }

  /**
   * Send and wait for the answer (the handler's return value on the other side). A `handle`
   * (an accepted socket) travels with the message and stays open on this side too, so the caller
   * can hand it to someone else if the peer dies before answering.
   */
  request<R = unknown>(message: Out, timeoutMs = 10_000, handle?: Socket): Promise<R> {
    if (this.#closed) return Promise.reject(new WorkerExitedError(this.#closed));
    const seq = ++this.#seq;
    return new Promise<R>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.#pending.delete(seq);
              reject(new OsloNodeError(ErrorCodes.IPC_TIMEOUT, `IPC request ${message.type} not answered in ${timeoutMs} ms`));
            }, timeoutMs)
          : undefined;
      timer?.unref();
      this.#pending.set(seq, { resolve: resolve as (v: unknown) => void, reject, timer });
      const failed = (error: unknown): void => this.#settle(seq, undefined, new WorkerExitedError(describeError(error), error));
      try {
        const message_ = { [IPC_TAG]: 1, seq, ...message } as unknown as Serializable;
        if (handle) this.#endpoint.send(message_, handle, { keepOpen: true }, (error) => error && failed(error));
        else this.#endpoint.send(message_, undefined, undefined, (error) => error && failed(error));
      } catch (error) {
        failed(error);
      }
    });
  }

  /** Stop listening and reject every pending request. Idempotent. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = reason;
    this.#endpoint.off('message', this.#onMessage);
    for (const seq of [...this.#pending.keys()]) this.#settle(seq, undefined, new WorkerExitedError(reason));
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  #settle(seq: number, value: unknown, error?: Error): void {
    const pending = this.#pending.get(seq);
    if (!pending) return;
    this.#pending.delete(seq);
    if (pending.timer) clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }

  #dispatch(message: unknown, handle: unknown): void {
    if (!isTagged(message)) return;
    if (message.type === 'reply' && typeof message.ack === 'number') {
      const reply = message as unknown as FailedReply & { ok: boolean; value?: unknown };
      this.#settle(
        message.ack,
        reply.value,
        reply.ok ? undefined : new IpcRemoteError(reply.error ?? 'remote failure', isErrorCode(reply.code) ? reply.code : undefined),
      );
      return;
    }
    const handler = this.#handlers.get(message.type);
    if (!handler) return; // unknown or unhandled types are ignored, as node's cluster does
    const seq = message.seq;
    let result: unknown;
    try {
      result = handler(message as unknown as In, handle);
    } catch (error) {
      if (seq !== undefined) this.#answer(seq, false, undefined, error);
      return;
    }
    if (seq === undefined) return;
    Promise.resolve(result).then(
      (value) => this.#answer(seq, true, value),
      (error: unknown) => this.#answer(seq, false, undefined, error),
    );
  }

  #answer(ack: number, ok: boolean, value?: unknown, failure?: unknown): void {
    if (this.#closed) return;
    const error = ok ? undefined : describeError(failure);
    const code = ok ? undefined : (failure as { code?: unknown } | undefined)?.code;
    try {
      this.#endpoint.send(
        { [IPC_TAG]: 1, type: 'reply', ack, ok, value, error, code } as unknown as Serializable,
        undefined,
        undefined,
        ignoreSendError,
      );
    } catch {
      // The peer is gone; nothing to answer.
    }
  }
}
