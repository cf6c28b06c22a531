/**
 * Errors of the periodic-task, looping-call and pool utilities. Codes follow the catalogue in
 * src/errors.ts (`ERR_PERIODIC_*`, `ERR_LOOPING_CALL_*`, `ERR_POOL_*`).
 */
import { OsloNodeError } from '../errors.js';

/** Codes used by src/periodic/. */
export const PeriodicErrorCodes = {
  /** A periodic task registration is malformed (bad spacing, unknown method, bad pool name). */
  TASK_INVALID: 'ERR_PERIODIC_TASK_INVALID',
  /** A task called `offload()` but declares no `pool`, or the scheduler has no TaskPool. */
  NO_POOL: 'ERR_PERIODIC_NO_POOL',
  /** The reason a running task's signal is aborted: the scheduler is stopping. */
  STOPPED: 'ERR_PERIODIC_STOPPED',
  /** A looping call was started twice. */
  LOOPING_CALL_STATE: 'ERR_LOOPING_CALL_STATE',
  /** A looping call gave up: BackOff's accumulated failure time passed its timeout. */
  LOOPING_CALL_TIMEOUT: 'ERR_LOOPING_CALL_TIMEOUT',
  /** A DynamicLoopingCall function returned no delay and no maximum is configured. */
  LOOPING_CALL_NO_DELAY: 'ERR_LOOPING_CALL_NO_DELAY',
  /** The pool refused a run: `pool_max_queue` runs are already waiting for a thread. */
  POOL_QUEUE_FULL: 'ERR_POOL_QUEUE_FULL',
  /** A pool run took longer than `pool_task_timeout`; its thread was terminated. */
  POOL_TASK_TIMEOUT: 'ERR_POOL_TASK_TIMEOUT',
  /** A pool run was cancelled through its AbortSignal or by close(). */
  POOL_ABORTED: 'ERR_POOL_ABORTED',
  /** A pool task name is not a plain module name in workers/. */
  POOL_TASK_NAME: 'ERR_POOL_TASK_NAME',
} as const;

/** A registration or a pool task name is invalid. */
export class PeriodicTaskError extends OsloNodeError {}

/** A looping call ended abnormally (timeout, no delay, started twice). */
export class LoopingCallError extends OsloNodeError {}

/** A pool run was refused, timed out or was cancelled. */
export class PoolError extends OsloNodeError {
  /** The task module (workers/NAME.js) the run was for. */
  readonly task: string;

  constructor(code: string, message: string, options: { task: string; cause?: unknown }) {
    super(code as `ERR_${string}`, message, { cause: options.cause });
    this.task = options.task;
  }
}
