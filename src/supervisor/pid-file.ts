/** The optional --pid-file: written after the socket is bound, removed on exit. */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { ConfigError, ErrorCodes, describeError } from '../errors.js';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Write our pid; refuse when the file names another live process (a second launcher). */
export function writePidFile(path: string): () => void {
  let existing: number | undefined;
  try {
    existing = Number.parseInt(readFileSync(path, 'utf8'), 10);
  } catch {
    existing = undefined;
  }
  if (existing && existing !== process.pid && processAlive(existing)) {
    throw new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option pid_file: ${path} belongs to running process ${existing}`, {
      option: 'pid_file',
    });
  }
  try {
    writeFileSync(path, `${process.pid}\n`, { mode: 0o644 });
  } catch (error) {
    throw new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option pid_file: cannot write ${path}: ${describeError(error)}`, {
      option: 'pid_file',
      cause: error,
    });
  }
  return () => {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  };
}
