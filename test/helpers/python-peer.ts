/**
 * The Python oslo.messaging peers of the interop tests (test/fixtures/python/): a server whose
 * JSON events the test can wait on, and a one-shot client.
 */
import type { TestContext } from 'node:test';
import { execa } from 'execa';
import { ROOT } from './config.js';

export const PYTHON = '/usr/bin/python3';

/** How to run a Python fixture: this system's python3 (oslo 14.0.3), or the trixie root's (16.1). */
export interface PythonRunner {
  command(script: string, args: readonly string[]): { file: string; args: string[] };
}

/** The host's /usr/bin/python3 with the fixtures in the clone. */
export const HOST_PYTHON: PythonRunner = {
  command: (script, args) => ({ file: PYTHON, args: [`${ROOT}test/fixtures/python/${script}`, ...args] }),
};

/** The rabbit:// form of the test broker's amqp:// URL, as a Python oslo peer takes it. */
export function rabbitUrl(url: string): string {
  return url.replace(/^amqp:/, 'rabbit:');
}

/** A running Python oslo RPC server (test/fixtures/python/oslo_server.py). */
export interface PythonServer {
  /** JSON events it printed so far ({"event": "cast", ...} for each `record`). */
  readonly events: Array<Record<string, unknown>>;
  /** Resolve with the first event (already printed or future) that matches, within `timeoutMs`. */
  waitEvent(match: (event: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM and wait for a clean exit (its fanout queue is deleted then). */
  stop(): Promise<void>;
}

/** Start the Python peer server on `topic`/`server`; stopped after the test. `extraArgs`: --exchange, --config-file. */
export async function startPythonServer(
  t: TestContext,
  url: string,
  topic: string,
  server: string,
  extraArgs: readonly string[] = [],
  runner: PythonRunner = HOST_PYTHON,
): Promise<PythonServer> {
  const command = runner.command('oslo_server.py', [rabbitUrl(url), topic, server, ...extraArgs]);
  const peer = spawnPythonPeer(t, [command.file, ...command.args]);
  await peer.waitEvent((event) => event.event === 'ready', 20_000);
  return peer;
}

/**
 * Run a Python peer that prints one JSON event per line (`command` is the argv, e.g.
 * `[PYTHON, script, ...]` or `['chroot', root, 'python3', '-', ...]` with the script as `input`);
 * SIGTERM'd after the test.
 */
export function spawnPythonPeer(t: TestContext, command: readonly string[], input?: string): PythonServer {
  const [file, ...args] = command;
  const child = execa(file!, args, { reject: false, buffer: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }) });
  const events: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters) wake();
  });
  let exited = false;
  void child.then(() => {
    exited = true;
    for (const wake of waiters) wake();
  });
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await child;
    clearTimeout(timer);
  };
  t.after(stop);
  const waitEvent = (match: (event: Record<string, unknown>) => boolean, timeoutMs = 10_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = (): void => {
        const found = events.find(match);
        if (found) done(() => resolve(found));
        else if (exited) done(() => reject(new Error(`python peer exited; stderr: ${stderr}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`python peer: no matching event in ${timeoutMs} ms; stderr: ${stderr}`))),
        timeoutMs,
      );
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });
  return { events, waitEvent, stop };
}

/** One operation for the Python peer client (see test/fixtures/python/oslo_client.py). */
export interface PythonOp {
  op: 'call' | 'cast' | 'bench';
  topic: string;
  method: string;
  server?: string;
  fanout?: boolean;
  version?: string;
  namespace?: string;
  args?: Record<string, unknown>;
  ctx?: Record<string, unknown>;
  timeout?: number;
  cm_timeout?: number;
  concurrency?: number;
  seconds?: number;
}

/** Run the Python peer client once with `ops`; resolves with one result object per op. `extraArgs`: --config-file. */
export async function runPythonClient(
  url: string,
  ops: PythonOp[],
  timeoutMs = 60_000,
  extraArgs: readonly string[] = [],
  runner: PythonRunner = HOST_PYTHON,
): Promise<Array<Record<string, unknown>>> {
  const command = runner.command('oslo_client.py', [rabbitUrl(url), JSON.stringify(ops), ...extraArgs]);
  const result = await execa(command.file, command.args, { timeout: timeoutMs, reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0) throw new Error(`python client failed (${result.exitCode}): ${result.stderr.slice(-2000)}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
