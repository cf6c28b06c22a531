/**
 * Starts `dist/launcher.js` as a real child process (execa) and follows its JSON log lines, so
 * tests wait for what the launcher says (readiness, restarts) instead of sleeping.
 */
import assert from 'node:assert/strict';
import { execa } from 'execa';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { until } from './wait.js';

export const LAUNCHER = fileURLToPath(new URL('../../launcher.js', import.meta.url));
export const RPC_CLI = fileURLToPath(new URL('../../rpc.js', import.meta.url));
export const CTL = fileURLToPath(new URL('../../ctl.js', import.meta.url));
/** The demo's app: served by default only with the demo's manager (not with a --manager of one's own). */
export const DEMO_APP = fileURLToPath(new URL('../../src/demo/app.js', import.meta.url));

export interface LogLine {
  level: number;
  msg: string;
  pid: number;
  worker: number;
  [key: string]: unknown;
}

export interface RunningLauncher {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Port of the shared socket, from the "launcher ready" line. */
  port: number;
  readonly lines: LogLine[];
  /** Non-JSON output (should stay empty). */
  readonly rawLines: string[];
  /** Resolve with the first line (already seen or future) matching `predicate`. */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs?: number, description?: string): Promise<LogLine>;
  /** Resolve with the exit code (null when killed by a signal) and signal. */
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** SIGKILL if still running (cleanup). */
  kill(): void;
}

export interface StartOptions {
  /** Wait for "launcher ready" before returning (default true). */
  waitReady?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** A command that runs the launcher (it must exec it): e.g. ['ip', 'netns', 'exec', NS]. */
  wrap?: string[];
  /** The launcher script to run (default this build's dist/launcher.js), e.g. an installed package's bin. */
  entry?: string;
  /** Working directory of the launcher (default this process's). */
  cwd?: string;
  /** The Node binary that runs it (default this process's). */
  node?: string;
}

/**
 * An embedded socket of its own for a launcher whose test names none, outside the shared private
 * runtime folder: default sockets are per launcher (issue 26), but a test that then called
 * oslo-node-rpc without naming one would meet other tests' launchers registered there. Pass
 * `OSLO_NODE_EMBEDDED_SOCKET: ''` in `env` (and a private XDG_RUNTIME_DIR) to use the default.
 * Returns the environment to add and the cleanup of its private folder.
 */
function ownEmbeddedSocket(
  args: readonly string[],
  env: Record<string, string> | undefined,
): { env: Record<string, string>; cleanup: () => void } {
  const named = args.some((arg) => arg.startsWith('--embedded-socket')) || env?.OSLO_NODE_EMBEDDED_SOCKET !== undefined;
  if (named) return { env: {}, cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-launcher-'));
  return { env: { OSLO_NODE_EMBEDDED_SOCKET: join(dir, 'embedded.sock') }, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Start the launcher with `args`; by default binds port 0 on loopback. */
export async function startLauncher(args: string[], options: StartOptions = {}): Promise<RunningLauncher> {
  const fullArgs = [options.entry ?? LAUNCHER, '--host', '127.0.0.1', '--port', '0', ...args];
  const socket = ownEmbeddedSocket(args, options.env);
  const [file, ...wrapArgs] = [...(options.wrap ?? []), options.node ?? process.execPath];
  const child = execa(file!, [...wrapArgs, ...fullArgs], {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    env: { OSLO_NODE_PERIODIC_FUZZY_DELAY: '0', ...socket.env, ...options.env },
    cleanup: true,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const lines: LogLine[] = [];
  const rawLines: string[] = [];
  const waiters = new Set<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let pending = '';
  const onText = (chunk: Buffer): void => {
    pending += chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (!text.trim()) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        rawLines.push(text);
        continue;
      }
      lines.push(line);
      for (const waiter of waiters) {
        if (waiter.predicate(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout!.on('data', onText);
  child.stderr!.on('data', (chunk: Buffer) => rawLines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const exited = child.then((result) => {
    socket.cleanup();
    return { code: result.exitCode ?? null, signal: result.signal ?? null };
  });

  const launcher: RunningLauncher = {
    child: child as unknown as ChildProcess,
    pid: child.pid!,
    port: 0,
    lines,
    rawLines,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    waitForLine(predicate, timeoutMs = 20_000, description = 'log line') {
      const seen = lines.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise<LogLine>((resolve, reject) => {
        const waiter = { predicate, resolve: (line: LogLine) => (clearTimeout(timer), resolve(line)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${description}; last lines:\n${lines
                .slice(-15)
                .map((l) => JSON.stringify(l))
                .join('\n')}\n${rawLines.slice(-10).join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then(({ code, signal }) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(
            new Error(
              `launcher exited (code ${code}, signal ${signal}) before ${description}; last lines:\n${lines
                .slice(-15)
                .map((l) => JSON.stringify(l))
                .join('\n')}\n${rawLines.slice(-10).join('\n')}`,
            ),
          );
        });
      });
    },
  };
  if (options.waitReady !== false) {
    const ready = await launcher.waitForLine((line) => line.msg === 'launcher ready', options.timeoutMs ?? 30_000, '"launcher ready"');
    launcher.port = Number(ready.port);
  }
  return launcher;
}

/** Option values by oslo name as launcher flags: `{ rabbit_retry_interval: 0.5, rabbit_quorum_queue: true }` -> `--rabbit-retry-interval 0.5 --rabbit-quorum-queue`. */
export function optionFlags(options: Record<string, number | string | boolean>): string[] {
  return Object.entries(options).flatMap(([name, value]) => {
    const flag = `--${name.replaceAll('_', '-')}`;
    return value === true ? [flag] : [flag, String(value)];
  });
}

/** Start the launcher with `args` and expect exit 2 (a refusal at start); resolves with all it printed. */
export async function exitsWithTwo(t: TestContext, args: string[], env: Record<string, string> = {}): Promise<string> {
  const launcher = await startLauncher(['--workers', '1', ...args], { waitReady: false, env });
  t.after(() => launcher.kill());
  const { code } = await launcher.exited;
  const output = [...launcher.rawLines, ...launcher.lines.map((line) => JSON.stringify(line))].join('\n');
  assert.equal(code, 2, `exit 2 expected; output:\n${output}`);
  return output;
}

/**
 * True while a process with this pid runs. A zombie (exited, not yet reaped: orphans are reaped
 * by pid 1, which in some sandboxes does so only every few seconds) counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return !existsSync('/proc/self');
  }
}

/** Poll until `pid` is gone; resolves with the ms it took, rejects after `timeoutMs`. */
export async function waitForPidGone(pid: number, timeoutMs = 5000): Promise<number> {
  const start = performance.now();
  await until(`pid ${pid} gone`, () => !isAlive(pid), { timeoutMs, intervalMs: 10 });
  return performance.now() - start;
}

/** Absolute path of a compiled fixture, e.g. fixturePath('apps/slow-app.js'). */
export function fixturePath(relative: string): string {
  return fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
}

/** Pids of the live (non-zombie) children of `ppid`, from /proc: the workers and the spare. */
export function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === ppid && fields[0] !== 'Z') pids.push(Number(entry));
  }
  return pids.sort((a, b) => a - b);
}
