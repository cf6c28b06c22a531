/**
 * Errors of the periodic-task, looping-call and pool utilities. Their codes are in the catalogue
 * of src/errors.ts (`ERR_PERIODIC_*`, `ERR_LOOPING_CALL_*`, `ERR_POOL_*`).
 */
import { OsloNodeError, type ErrorCode } from '../errors.js';

/** A registration or a pool task name is invalid. */
export class PeriodicTaskError extends OsloNodeError {}

/** A looping call ended abnormally (timeout, no delay, started twice). */
export class LoopingCallError extends OsloNodeError {}

/** A pool run was refused, timed out or was cancelled. */
export class PoolError extends OsloNodeError {
  /** The task module (workers/NAME.js) the run was for. */
  readonly task: string;

  constructor(code: ErrorCode, message: string, options: { task: string; cause?: unknown }) {
    super(code, message, { cause: options.cause });
    this.task = options.task;
  }
}
