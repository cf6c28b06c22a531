/**
 * Listening sockets this launcher did not bind: systemd's socket activation (sd_listen_fds(3):
 * `LISTEN_FDS` descriptors from 3 on, for the process `LISTEN_PID`, named by `LISTEN_FDNAMES`)
 * and the handover from the launcher it replaces (SIGUSR2, `oslo-node-ctl upgrade`), which uses
 * the same descriptors and names but cannot know our pid before the fork: `OSLO_HANDOVER` names
 * the parent instead, and the paths of the unix sockets it passes.
 *
 * The variables are removed from the environment whatever they say (sd_listen_fds'
 * unset_environment), so workers and anything else forked later never take them for theirs.
 */
import { closeSync } from 'node:fs';
import { ConfigError, ErrorCodes } from '../errors.js';

/** The first inherited descriptor (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;

/** The variable a handing-over launcher sets for the launcher it starts (not OSLO_NODE_*: that is an option). */
export const HANDOVER_ENV = 'OSLO_HANDOVER';

/** The names the sockets travel under (LISTEN_FDNAMES; `FileDescriptorName=` in a .socket unit). */
export const SOCKET_NAMES = { http: 'http', embedded: 'embedded', control: 'control' } as const;

/** What OSLO_HANDOVER holds. */
export interface HandoverEnv {
  /** The pid of the launcher handing over (our parent). */
  readonly from: number;
  /** Paths of the unix sockets passed, by name. */
  readonly paths: Readonly<Record<string, string>>;
  /** The HTTP socket's address: the new launcher accepts only once its workers serve. */
  readonly address?: { readonly address: string; readonly port: number };
  /** The HTTP socket came from systemd's socket activation first. */
  readonly activated?: boolean;
}

export interface InheritedSockets {
  readonly source: 'systemd' | 'handover';
  /** The launcher handing over, for a handover. */
  readonly from: number | undefined;
  /** For a handover: the HTTP socket's address (accepting waits until the workers serve). */
  readonly address: { readonly address: string; readonly port: number } | undefined;
  /** The HTTP socket is systemd's (it outlives this launcher), directly or through handovers. */
  readonly activated: boolean;
  /** The HTTP listening socket's descriptor. */
  readonly http: number;
  /** The LISTEN_FDNAMES entry of the HTTP socket, when systemd named it. */
  readonly httpName: string | undefined;
  /** Other sockets passed (a handover's embedded and control sockets): descriptor and path, by name. */
  readonly unix: ReadonlyMap<string, { readonly fd: number; readonly path: string }>;
}

function refuse(message: string): ConfigError {
  return new ConfigError(ErrorCodes.CONFIG_INVALID, message);
}

function parseHandover(text: string | undefined): HandoverEnv | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<HandoverEnv>;
    if (Number.isSafeInteger(value.from) && typeof value.paths === 'object' && value.paths !== null) return value as HandoverEnv;
  } catch {
    // Not ours: ignored below like any variable meant for another process.
  }
  return undefined;
}

/**
 * The sockets passed to this process, or undefined when none were (or they were meant for
 * another process: LISTEN_PID names another pid, OSLO_HANDOVER another parent). Throws a
 * ConfigError (exit 2) when several were passed and none is named `http`.
 */
export function takeInheritedSockets(
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
  ppid = process.ppid,
): InheritedSockets | undefined {
  const { LISTEN_FDS: count, LISTEN_PID: listenPid, LISTEN_FDNAMES: names } = env;
  const handover = parseHandover(env[HANDOVER_ENV]);
  for (const name of ['LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES', HANDOVER_ENV]) delete env[name];
  const n = Number(count);
  if (!count || !Number.isSafeInteger(n) || n < 1) return undefined;
  const source = handover?.from === ppid ? 'handover' : Number(listenPid) === pid ? 'systemd' : undefined;
  if (!source) return undefined;
  const fdNames = names?.split(':') ?? [];
  const nameOf = (index: number): string | undefined => (fdNames.length === n ? fdNames[index] : undefined);
  let httpIndex = Array.from({ length: n }, (_, index) => index).find((index) => nameOf(index) === SOCKET_NAMES.http);
  if (httpIndex === undefined) {
    if (n > 1) {
      throw refuse(
        `${n} sockets were passed (LISTEN_FDNAMES ${JSON.stringify(names ?? '')}) and none is named ${SOCKET_NAMES.http}: name the HTTP one with FileDescriptorName=${SOCKET_NAMES.http} in the .socket unit`,
      );
    }
    httpIndex = 0;
  }
  const unix = new Map<string, { fd: number; path: string }>();
  if (source === 'handover') {
    for (let index = 0; index < n; index++) {
      const name = nameOf(index);
      const path = name === undefined ? undefined : handover!.paths[name];
      if (index !== httpIndex && name !== undefined && path !== undefined) unix.set(name, { fd: LISTEN_FDS_START + index, path });
    }
  }
  const fromParent = source === 'handover' ? handover! : undefined;
  return {
    source,
    from: fromParent?.from,
    address: fromParent?.address,
    activated: fromParent ? fromParent.activated === true : true,
    http: LISTEN_FDS_START + httpIndex,
    httpName: nameOf(httpIndex),
    unix,
  };
}

/** Close an inherited descriptor nobody serves (one already closed is fine). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}
