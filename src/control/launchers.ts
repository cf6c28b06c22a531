/**
 * Which launchers run on this host, and which one a command means (issue 26, item 4).
 *
 * Each launcher's default sockets are its own, named by its pid (`embedded-<pid>.sock`,
 * `control-<pid>.sock`), and beside them it keeps `launcher-<pid>.json`: its binary, bound port,
 * pid and socket paths. Named by pid rather than by binary and port because neither is known when
 * the sockets are bound (port 0 is bound later; an unset binary comes from the manager's class,
 * which only a worker loads), and because two launchers of one service on one port are normal
 * for a moment (a handover, a `reuse_port` start) and must not meet at one path.
 *
 * oslo-node-ctl, oslo-node-rpc and getRpcTransport() read the records: a launcher counts when its
 * pid exists and its control socket answers (a SIGKILLed launcher's record, or one whose pid now
 * belongs to another process, does not). They choose by binary and port: the only one, or the
 * ones named; several left is an error listing them (binary, port, pid).
 */
import { constants, closeSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, OsloNodeError } from '../errors.js';
import { answers, clearStaleSocket, privateRuntimeDir, runtimeDirPath } from '../ipc/runtime-dir.js';
import { processExists } from './pid-file.js';

/** What a launcher says of itself in `launcher-<pid>.json`. */
export interface LauncherRecord {
  readonly pid: number;
  /** The service's binary; null until known (unset in the config: the first worker reports it). */
  readonly binary: string | null;
  /** The bound port (never 0). */
  readonly port: number;
  readonly host: string;
  /** ISO time the launcher started: the newest of one service's launchers is its successor. */
  readonly startedAt: string;
  readonly controlSocket: string;
  /** null with transport_url (RabbitMQ): no embedded socket. */
  readonly embeddedSocket: string | null;
}

/** The launcher a command names; each field unset: not a criterion. */
export interface LauncherChoice {
  readonly binary?: string | undefined;
  /** 0 counts as unset: the port is known only after bind. */
  readonly port?: number | undefined;
}

/**
 * The launcher a command's options name: `binary` when set, `port` when some source gave it (its
 * default, 8080, names nothing; 0 neither: the port is known only after bind).
 */
export function launcherChoice(
  config: { readonly binary?: string | undefined; readonly port: number },
  explicit: ReadonlySet<string>,
): LauncherChoice {
  return { binary: config.binary, port: explicit.has('port') && config.port > 0 ? config.port : undefined };
}

/** No launcher answers where we looked (exit 3). */
export class LauncherUnreachable extends OsloNodeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.CONTROL_UNREACHABLE, message, options);
  }
}

/** Several launchers run and none was chosen (exit 2). */
export class LauncherAmbiguous extends OsloNodeError {
  /** The launchers that matched. */
  readonly candidates: readonly LauncherRecord[];

  constructor(message: string, candidates: readonly LauncherRecord[] = []) {
    super(ErrorCodes.CONTROL_AMBIGUOUS, message);
    this.candidates = candidates;
  }
}

const RECORD = /^launcher-(\d+)\.json$/;
/** The default sockets and records a launcher leaves in the folder, by pid. */
const LAUNCHER_FILE = /^(?:control|embedded)-(\d+)\.sock$|^launcher-(\d+)\.json$/;

/** `launcher-<pid>.json` in the private runtime folder (created by the launcher only). */
export function launcherRecordPath(pid: number, options: { create?: boolean } = {}): string {
  return join(privateRuntimeDir({ option: 'control_socket', create: options.create ?? false }), `launcher-${pid}.json`);
}

/** Write (or rewrite) our record in one step: a fresh 0600 file beside it, renamed over it. */
export function writeLauncherRecord(record: LauncherRecord): void {
  const path = launcherRecordPath(record.pid, { create: true });
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** Remove our record (on exit). */
export function removeLauncherRecord(pid: number = process.pid): void {
  try {
    unlinkSync(launcherRecordPath(pid));
  } catch {
    // Gone already, or the folder is.
  }
}

function parseRecord(text: string, pid: number): LauncherRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const record = value as Partial<LauncherRecord> | null;
  if (!record || record.pid !== pid || !Number.isSafeInteger(record.port) || typeof record.controlSocket !== 'string') return undefined;
  if (record.binary !== null && typeof record.binary !== 'string') return undefined;
  if (record.embeddedSocket !== null && typeof record.embeddedSocket !== 'string') return undefined;
  return {
    pid,
    binary: record.binary ?? null,
    port: record.port!,
    host: String(record.host ?? ''),
    startedAt: String(record.startedAt ?? ''),
    controlSocket: record.controlSocket,
    embeddedSocket: record.embeddedSocket ?? null,
  };
}

/** Every record in the private runtime folder (none when the folder is missing). */
function readRecords(): LauncherRecord[] {
  const dir = privateRuntimeDir({ option: 'control_socket', create: false });
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const pid = Number(RECORD.exec(name)?.[1]);
    if (!(pid > 0)) return [];
    try {
      const record = parseRecord(readFileSync(join(dir, name), 'utf8'), pid);
      return record ? [record] : [];
    } catch {
      return []; // removed while we looked
    }
  });
}

/** The launchers that run: a live pid whose control socket answers. Oldest first. */
export async function runningLaunchers(): Promise<LauncherRecord[]> {
  const candidates = readRecords().filter(({ pid }) => processExists(pid));
  const answering = await Promise.all(candidates.map(({ controlSocket }) => answers(controlSocket)));
  return candidates.filter((_, index) => answering[index]).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.pid - b.pid);
}

/** `binary inventory port 8081 pid 123`: how a launcher is named to a person. */
export function describeLauncher(record: LauncherRecord): string {
  return `binary ${record.binary ?? '?'} port ${record.port} pid ${record.pid}`;
}

/** `binary inventory and port 8081`, for messages; undefined when nothing is chosen. */
export function describeChoice(choice: LauncherChoice): string | undefined {
  const parts = [
    choice.binary === undefined ? undefined : `binary ${choice.binary}`,
    choice.port ? `port ${choice.port}` : undefined,
  ].filter(Boolean);
  return parts.length === 0 ? undefined : parts.join(' and ');
}

/** True when the choice names something. */
export function choiceNamesOne(choice: LauncherChoice): boolean {
  return describeChoice(choice) !== undefined;
}

/** The running launchers that match `choice`. */
export function matching(launchers: readonly LauncherRecord[], choice: LauncherChoice): LauncherRecord[] {
  return launchers.filter(
    (one) => (choice.binary === undefined || one.binary === choice.binary) && (!choice.port || one.port === choice.port),
  );
}

export interface ChooseOptions {
  /** How to name one, for the ambiguity error: `--binary NAME, --port N or --pid-file FILE`. */
  readonly how: string;
  /**
   * Several launchers of one service (one binary and port: a handover or a `reuse_port` start in
   * progress) are one for this purpose: take the newest. For RPC, not for operating one.
   */
  readonly newestOfOneService?: boolean;
}

/**
 * The one launcher `choice` names among `launchers`. Throws LauncherUnreachable when none
 * matches (naming those that run) and LauncherAmbiguous when several do (listing them).
 */
export function chooseLauncher(launchers: readonly LauncherRecord[], choice: LauncherChoice, options: ChooseOptions): LauncherRecord {
  const found = matching(launchers, choice);
  const named = describeChoice(choice);
  const list = (records: readonly LauncherRecord[]): string => records.map(describeLauncher).join('; ');
  if (found.length === 0) {
    if (launchers.length === 0)
      throw new LauncherUnreachable(`no launcher control socket answers on this host (none registered in ${runtimeDirPath()})`);
    throw new LauncherUnreachable(`no launcher with ${named} runs on this host; running: ${list(launchers)}`);
  }
  if (found.length === 1) return found[0]!;
  const first = found[0]!;
  if (options.newestOfOneService && found.every((one) => one.binary === first.binary && one.port === first.port)) {
    return found.reduce((newest, one) => (one.startedAt > newest.startedAt ? one : newest));
  }
  throw new LauncherAmbiguous(
    `${found.length} launchers run${named ? ` with ${named}` : ''} on this host (${list(found)}): choose one with ${options.how}`,
    found,
  );
}

/**
 * Remove what launchers killed with SIGKILL left in the folder: their records and default
 * sockets, when the pid is gone or nothing answers on the socket (clearStaleSocket removes only
 * a socket of ours that nobody listens on). A starting launcher calls this.
 */
export async function removeDeadLauncherFiles(): Promise<void> {
  let dir: string;
  let names: string[];
  try {
    // A folder that is not private is refused where it is used, not here.
    dir = privateRuntimeDir({ option: 'control_socket', create: false });
    names = readdirSync(dir);
  } catch {
    return;
  }
  const records = new Map(readRecords().map((record) => [record.pid, record]));
  for (const name of names) {
    const match = LAUNCHER_FILE.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    if (name.endsWith('.sock')) {
      await clearStaleSocket(path, 'control_socket').catch(() => undefined);
      continue;
    }
    const pid = Number(match[2]);
    const record = records.get(pid);
    if (pid === process.pid) continue;
    if (record && processExists(pid) && (await answers(record.controlSocket))) continue;
    try {
      unlinkSync(path);
    } catch {
      // Removed by its launcher meanwhile.
    }
  }
}
