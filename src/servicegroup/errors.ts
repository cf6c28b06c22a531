/** Errors of the service group (codes in src/errors.ts). */
import { ErrorCodes, OsloNodeError } from '../errors.js';

/** No such host/binary in the service group (disable/enable of an unknown service). */
export class ServiceNotFoundError extends OsloNodeError {
  constructor(host: string, binary: string) {
    super(ErrorCodes.SERVICEGROUP_NOT_FOUND, `no service ${binary} on host ${host}`);
  }
}

/** The backend cannot answer now (database down, launcher unreachable). */
export class ServiceGroupUnavailableError extends OsloNodeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.SERVICEGROUP_UNAVAILABLE, message, options);
  }
}
