/**
 * The optional --pid-file: written after the socket is bound, removed on exit.
 *
 * The path may sit in a shared folder (issue 14, item 6): it is created with
 * O_CREAT|O_EXCL|O_NOFOLLOW, so a symbolic link planted there is never followed (its target was
 * truncated before); a stale regular file is replaced atomically (a new file renamed over it);
 * a pid in the file counts as running only when /proc says it is a launcher of ours (a reused
 * pid, or 1, no longer blocks the start); the file is removed on exit only if it still holds
 * our pid.
 *
 * A pid is believed only from a file of ours (issue 27, 8): opened with O_NOFOLLOW, owned by our
 * uid, not writable by group or others. Another user who wrote launcher B's pid into a shared
 * folder made `ctl.js stop --pid-file` stop B, and launcher A refuse to start.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, ErrorCodes, describeError } from '../errors.js';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function refuse(message: string, cause?: unknown): ConfigError {
  return new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option pid_file: ${message}`, {
    option: 'pid_file',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Create `path` (never through a symlink, never over an existing file) holding our pid. */
function createExclusive(path: string): void {
  const fd = openSync(path, CREATE_FLAGS, 0o644);
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
}

/** Why a pid file with these stats is not to be believed, or undefined when it is ours. */
function distrust(stats: Stats): string | undefined {
  if (!stats.isFile()) return 'it is not a regular file';
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) return `it is owned by uid ${stats.uid}, not by us (uid ${uid})`;
  if ((stats.mode & 0o022) !== 0) return `group or others may write it (mode ${(stats.mode & 0o777).toString(8).padStart(3, '0')})`;
  return undefined;
}

/**
 * Read the pid file at `path` (never through a symlink: ELOOP). `untrusted` says why its pid is
 * not to be believed; `pid` is undefined when it holds none.
 */
export function readPidFile(path: string): { pid: number | undefined; untrusted: string | undefined } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const untrusted = distrust(fstatSync(fd));
    if (untrusted) return { pid: undefined, untrusted };
    const pid = Number.parseInt(readFileSync(fd, 'utf8'), 10);
    return { pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, untrusted: undefined };
  } finally {
    closeSync(fd);
  }
}

/**
 * The pid in a regular file of ours at `path`, or undefined (none, or a file we do not trust:
 * it is replaced like a stale one); throws when the path is not a regular file.
 */
function readPid(path: string): number | undefined {
  const stats = lstatSync(path);
  if (!stats.isFile()) throw refuse(`${path} exists and is not a regular file (a symbolic link?); refusing to write through it`);
  return readPidFile(path).pid;
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * True when `pid` runs this launcher's script: an argument of its /proc cmdline, resolved from
 * its working directory, is our entry script. Without /proc, any live process counts.
 */
export function isLauncherOfOurs(pid: number, script = process.argv[1] ?? ''): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !existsProc()) return processExists(pid);
    return false;
  }
  let cwd = '/';
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    // Another user's process: absolute arguments still compare.
  }
  const ours = realpathOrSelf(script);
  return cmdline
    .split('\0')
    .slice(1)
    .some((arg) => arg !== '' && realpathOrSelf(resolve(cwd, arg)) === ours);
}

function existsProc(): boolean {
  try {
    lstatSync('/proc/self');
    return true;
  } catch {
    return false;
  }
}

/** A process with this pid exists (EPERM: it does, another user's). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Replace the stale file at `path` in one step: a fresh file beside it, renamed over it. */
function replaceAtomically(path: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  createExclusive(temp);
  try {
    renameSync(temp, path);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/**
 * Write our pid; refuse when the file names a running launcher of ours, unless it is `replacing`
 * (the launcher handing over to this one) or `replaceAny` (reuse_port: launchers of one service
 * side by side, the newest named): its file is replaced in one step. Returns the remover.
 */
export function writePidFile(path: string, options: { replacing?: number; replaceAny?: boolean } = {}): () => void {
  try {
    try {
      createExclusive(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const existing = readPid(path);
      if (
        existing !== undefined &&
        existing !== process.pid &&
        existing !== options.replacing &&
        !options.replaceAny &&
        isLauncherOfOurs(existing)
      ) {
        throw refuse(`${path} belongs to running launcher ${existing}`);
      }
      replaceAtomically(path);
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw refuse(`cannot write ${path}: ${describeError(error)}`, error);
  }
  return () => {
    try {
      // Another launcher may have taken the path since (after a forced stop of ours): keep its file.
      if (readPid(path) === process.pid) unlinkSync(path);
    } catch {
      // Gone or no longer a regular file: nothing of ours to remove.
    }
  };
}
