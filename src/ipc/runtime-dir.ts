/**
 * The launcher's private runtime folder (`$XDG_RUNTIME_DIR` or the temp dir, then
 * `oslo-node-<uid>`) and the unix sockets it holds: the embedded transport's socket, the
 * launcher's control socket, the backdoor.
 *
 * In a shared temp dir another user can make the folder first (mode 0777) or put a socket of
 * their own at our path, then read and forge what our clients send (issue 14, item 2). So the
 * folder is created without `recursive` and then `lstat`ed: it must be a real directory (not a
 * symlink) owned by our uid with no group/other bits, or we refuse with a ConfigError (exit 2).
 * Sockets are bound under umask 0177 (0600 from their creation, no chmod that could follow a
 * symlink), a path that holds anything but a dead socket of ours is refused, and clients check
 * a socket's owner and mode before they connect.
 *
 * A configured socket path (`embedded_socket`, `control_socket`, `backdoor_socket`) gets the same
 * check of its folder, by servers before they bind and by clients before they connect (issue
 * 27, 12): in a folder another user can write, the socket checked could be swapped for theirs
 * between the check and the connect.
 */
import { lstatSync, mkdirSync, renameSync, unlinkSync, type Stats } from 'node:fs';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, ErrorCodes, describeError } from '../errors.js';

/** Our uid, or undefined where the platform has none (Windows: no ownership checks). */
function ourUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function refuse(option: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError(ErrorCodes.CONFIG_INVALID, `invalid value for option ${option}: ${message}`, {
    option,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Why `stats` is not private to us (owned by our uid, no group/other bits), or undefined when it is. */
function notPrivate(stats: Stats): string | undefined {
  const uid = ourUid();
  if (uid !== undefined && stats.uid !== uid) return `it is owned by uid ${stats.uid}, not by us (uid ${uid})`;
  if ((stats.mode & 0o077) !== 0) return `its mode is 0${(stats.mode & 0o777).toString(8)} (group or others have access; expected 0700)`;
  return undefined;
}

/** `$XDG_RUNTIME_DIR/oslo-node-<uid>`, or the temp dir's when XDG_RUNTIME_DIR is unset. */
export function runtimeDirPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_RUNTIME_DIR || tmpdir(), `oslo-node-${ourUid() ?? 'user'}`);
}

export interface PrivateDirOptions {
  /** Option named in the error (default `embedded_socket`). */
  readonly option?: string;
  /** Create the folder (mode 0700, one level only) when missing (default true). */
  readonly create?: boolean;
  /** What to do about a folder that is not private (default: about XDG_RUNTIME_DIR). */
  readonly hint?: string;
}

/**
 * Make sure `path` is a directory private to us: created (0700, never recursively) when missing,
 * then `lstat`ed. Throws a ConfigError (exit 2) when it is a symlink, not a directory, owned by
 * another uid or open to group/others. Returns false when it is missing and `create` is false.
 */
export function ensurePrivateDir(path: string, options: PrivateDirOptions = {}): boolean {
  const option = options.option ?? 'embedded_socket';
  if (options.create !== false) {
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw refuse(option, `cannot create the private folder ${path}: ${describeError(error)}`, error);
    }
  }
  const stats = lstatOrUndefined(path);
  if (!stats) return false;
  if (stats.isSymbolicLink()) throw refuse(option, `the private folder ${path} is a symbolic link; refusing to use it`);
  if (!stats.isDirectory()) throw refuse(option, `${path} is not a directory; refusing to use it as the private folder`);
  const why = notPrivate(stats);
  if (why)
    throw refuse(
      option,
      `the folder ${path} is not private: ${why}; ${options.hint ?? 'remove it or set XDG_RUNTIME_DIR to a private folder'}`,
    );
  return true;
}

/**
 * The folder of the socket `path` must be private to us (ensurePrivateDir, not created). Throws
 * the ConfigError naming `option`; a missing folder is left to bind or connect to report.
 */
export function ensurePrivateSocketFolder(path: string, option: string): void {
  ensurePrivateDir(dirname(resolve(path)), { option, create: false, hint: `put ${option} in a folder only we can use (mode 0700)` });
}

/** The default private runtime folder, created and checked (see ensurePrivateDir). */
export function privateRuntimeDir(options: PrivateDirOptions = {}): string {
  const path = runtimeDirPath();
  ensurePrivateDir(path, options);
  return path;
}

/**
 * Before a client connects: the socket at `path` must be a socket owned by our uid with no
 * group/other bits, in a folder private to us, or it may be another user's impostor. Returns
 * false when nothing is there.
 */
export function checkOwnSocket(path: string, option = 'embedded_socket'): boolean {
  ensurePrivateSocketFolder(path, option);
  const stats = lstatOrUndefined(path);
  if (!stats) return false;
  if (!stats.isSocket()) throw refuse(option, `${path} is not a unix socket; refusing to connect`);
  const why = notPrivate(stats);
  if (why) throw refuse(option, `the socket ${path} is not ours: ${why}; refusing to connect`);
  return true;
}

/** Resolves true when something accepts connections on `path`. */
export function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Before a server binds `path`: nothing may be there but a dead socket of ours (a crashed run's),
 * which is removed. A live socket, another user's, or any other file is refused, never unlinked.
 */
export async function clearStaleSocket(path: string, option: string): Promise<void> {
  const stats = lstatOrUndefined(path);
  if (!stats) return;
  if (!stats.isSocket()) throw refuse(option, `${path} exists and is not a unix socket; refusing to replace it`);
  const uid = ourUid();
  if (uid !== undefined && stats.uid !== uid)
    throw refuse(option, `${path} is a socket that is not ours (it is owned by uid ${stats.uid}); refusing to replace it`);
  if (await answers(path)) throw refuse(option, `${path} is in use by another process (give each launcher its own ${option})`);
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw refuse(option, `cannot remove the stale socket ${path}: ${describeError(error)}`, error);
  }
}

/**
 * Listen on a unix socket that is 0600 from its creation: bound under umask 0177 and with
 * `exclusive` (a cluster worker binds it itself; through the primary its umask would not apply).
 * Binding a unix socket happens synchronously inside `listen()`, so the mask is restored at once.
 */
export async function listenPrivateSocket(
  server: Server,
  path: string,
  option: string,
  options: { replace?: boolean } = {},
): Promise<void> {
  ensurePrivateSocketFolder(path, option);
  if (options.replace) return listenReplacing(server, path, option);
  await clearStaleSocket(path, option);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(refuse(option, `cannot listen on ${path}: ${describeError(error)}`, error));
    server.once('error', onError);
    const previousMask = process.umask(0o177);
    try {
      server.listen({ path, exclusive: true }, () => {
        server.off('error', onError);
        resolve();
      });
    } finally {
      process.umask(previousMask);
    }
  });
  // Someone swapped the path between bind and now: do not serve through it.
  const stats = lstatOrUndefined(path);
  const why = !stats ? 'it vanished' : !stats.isSocket() ? 'it is no longer a socket' : notPrivate(stats);
  if (why) {
    server.close();
    throw refuse(option, `the socket ${path} changed under us after bind: ${why}`);
  }
}

/**
 * Listen on an inherited unix socket (`fd`, bound at `path` by the launcher this one replaces):
 * nothing is bound or removed; the path must still be a private socket of ours.
 */
export async function listenInheritedSocket(server: Server, fd: number, path: string, option: string): Promise<void> {
  const stats = lstatOrUndefined(path);
  const why = !stats ? 'it is gone' : !stats.isSocket() ? 'it is not a socket' : notPrivate(stats);
  if (why) throw refuse(option, `the inherited socket ${path} cannot be served: ${why}`);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void =>
      reject(refuse(option, `cannot listen on the inherited socket ${path}: ${describeError(error)}`, error));
    server.once('error', onError);
    server.listen({ fd }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** `dev:ino` of the socket file at `path`, or undefined: which socket a path names now. */
export function socketIdentity(path: string): string | undefined {
  const stats = lstatOrUndefined(path);
  return stats?.isSocket() ? `${stats.dev}:${stats.ino}` : undefined;
}

/** Remove the socket file at `path` only if it is still the one `identity` names (not a successor's). */
export function unlinkOwnSocket(path: string, identity: string | undefined): void {
  if (identity === undefined || socketIdentity(path) !== identity) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/**
 * Several launchers of one service side by side (reuse_port: pm2 reload, blue/green): the newest
 * takes the path over. The socket is bound at a private name beside it and renamed over it, so a
 * client always finds a live socket there; the one it replaces keeps its clients, and never
 * removes the path (libuv unlinks the name it bound, the private one; stop() checks the inode).
 * Anything at the path but a socket of ours is still refused.
 */
async function listenReplacing(server: Server, path: string, option: string): Promise<void> {
  const stats = lstatOrUndefined(path);
  if (stats && !stats.isSocket()) throw refuse(option, `${path} exists and is not a unix socket; refusing to replace it`);
  const uid = ourUid();
  if (stats && uid !== undefined && stats.uid !== uid)
    throw refuse(option, `${path} is a socket that is not ours (it is owned by uid ${stats.uid}); refusing to replace it`);
  const staged = `${path}.${process.pid}`;
  await listenPrivateSocket(server, staged, option);
  try {
    renameSync(staged, path);
  } catch (error) {
    server.close();
    throw refuse(option, `cannot move the socket ${staged} to ${path}: ${describeError(error)}`, error);
  }
}
