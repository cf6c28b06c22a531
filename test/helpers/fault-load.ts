/**
 * Steady load for the fault suite: bounded loops of HTTP requests (keep-alive and new
 * connections) and RPC calls that count what they sent, what was answered and what failed, with
 * the time of every outcome so a test can say *when* failures happened.
 */
import { Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { httpGet } from './http.js';
import { delay } from './wait.js';

/** One finished operation: when it started and ended (performance.now() ms), and how. */
export interface Outcome {
  lane: number;
  start: number;
  end: number;
  ok: boolean;
  error?: string;
}

export interface Tally {
  readonly name: string;
  sent: number;
  ok: number;
  failed: number;
  /** The first 50 distinct failure messages. */
  readonly errors: string[];
  /** Every outcome (bounded by the loops' count limit). */
  readonly outcomes: Outcome[];
}

export interface Loop {
  readonly tally: Tally;
  /** Stop issuing new operations and wait for the ones in flight. */
  stop(): Promise<Tally>;
}

export interface LoopOptions {
  concurrency?: number;
  /** Hard bound on the loop's life. */
  maxMs?: number;
  /** Hard bound on operations issued. */
  maxCount?: number;
  /** Pause between two operations of one lane (keeps CPU use moderate on small machines). */
  pauseMs?: number;
  /** Pause after a failure (default 50 ms), so a lane whose calls fail at once does not spin. */
  failurePauseMs?: number;
}

/** Run `op(lane, n)` in `concurrency` lanes until stop(), `maxMs` or `maxCount`. */
export function startLoop(name: string, op: (lane: number, n: number) => Promise<void>, options: LoopOptions = {}): Loop {
  const concurrency = options.concurrency ?? 2;
  const deadline = performance.now() + (options.maxMs ?? 60_000);
  const maxCount = options.maxCount ?? 200_000;
  const tally: Tally = { name, sent: 0, ok: 0, failed: 0, errors: [], outcomes: [] };
  let running = true;
  const lane = async (index: number): Promise<void> => {
    while (running && performance.now() < deadline && tally.sent < maxCount) {
      const n = tally.sent++;
      const start = performance.now();
      try {
        await op(index, n);
        tally.ok++;
        tally.outcomes.push({ lane: index, start, end: performance.now(), ok: true });
      } catch (error) {
        const message = describe(error);
        tally.failed++;
        tally.outcomes.push({ lane: index, start, end: performance.now(), ok: false, error: message });
        if (tally.errors.length < 50 && !tally.errors.includes(message)) tally.errors.push(message);
        await delay(options.failurePauseMs ?? 50);
      }
      if (options.pauseMs) await delay(options.pauseMs);
    }
  };
  const lanes = Array.from({ length: concurrency }, (_, i) => lane(i));
  return {
    tally,
    async stop() {
      running = false;
      await Promise.all(lanes);
      return tally;
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `${error.name}${code ? ` ${code}` : ''}: ${error.message}`.slice(0, 300);
  }
  return String(error).slice(0, 300);
}

export interface HttpRoute {
  method?: string;
  path: string;
  body?: string;
  /** Checks a 200 body; throws to count the request as failed. */
  check?: (body: string) => void;
}

/**
 * HTTP load on 127.0.0.1:port: even lanes on one keep-alive agent, odd lanes on a new connection
 * per request; each lane cycles through `routes`. Only a 200 counts as answered.
 */
export function startHttpLoad(
  name: string,
  port: number | (() => number),
  routes: HttpRoute[],
  options: LoopOptions & { timeoutMs?: number } = {},
): Loop {
  const keepAlive = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 2 });
  const portOf = typeof port === 'number' ? () => port : port;
  const loop = startLoop(
    name,
    async (lane, n) => {
      const route = routes[n % routes.length]!;
      const headers: Record<string, string> = route.body === undefined ? {} : { 'content-type': 'application/json' };
      const result = await httpGet(portOf(), route.path, {
        agent: lane % 2 === 0 ? keepAlive : false,
        method: route.method,
        body: route.body,
        headers,
        timeoutMs: options.timeoutMs ?? 15_000,
      });
      if (result.status !== 200)
        throw new Error(`${route.method ?? 'GET'} ${route.path}: status ${result.status}: ${result.body.slice(0, 160)}`);
      route.check?.(result.body);
    },
    options,
  );
  return {
    tally: loop.tally,
    async stop() {
      const tally = await loop.stop();
      keepAlive.destroy();
      return tally;
    },
  };
}

/** The demo's RPC routes: each request makes one RPC call through the worker's transport. */
export function demoRpcRoutes(): HttpRoute[] {
  return [
    {
      path: '/v1/rpc/ping',
      check: (body) => assertJson(body, (value) => typeof (value as { result?: { pid?: unknown } }).result?.pid === 'number'),
    },
    {
      method: 'POST',
      path: '/v1/rpc/echo',
      body: JSON.stringify({ value: { n: 42, s: 'échos' } }),
      check: (body) => assertJson(body, (value) => (value as { result?: { n?: unknown } }).result?.n === 42),
    },
  ];
}

function assertJson(body: string, ok: (value: unknown) => boolean): void {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error(`not JSON: ${body.slice(0, 100)}`);
  }
  if (!ok(value)) throw new Error(`unexpected body: ${body.slice(0, 160)}`);
}

/** One line for the test log: "# name: N sent, N answered, N failed". */
export function summary(tally: Tally): string {
  return `# ${tally.name}: ${tally.sent} sent, ${tally.ok} answered, ${tally.failed} failed${tally.errors.length ? ` (${tally.errors.slice(0, 3).join(' | ')})` : ''}`;
}

/** For HTTP loads: failures on keep-alive lanes (even) and on new-connection lanes (odd). */
export function failuresByConnection(tally: Tally): { keepAlive: number; newConnection: number } {
  const failed = tally.outcomes.filter((outcome) => !outcome.ok);
  return { keepAlive: failed.filter((o) => o.lane % 2 === 0).length, newConnection: failed.filter((o) => o.lane % 2 === 1).length };
}

/** Resident set size of a live process in KiB (VmRSS in /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** CPU use of a live process over `ms` (percent of one core), from /proc/<pid>/stat; -1 if it is gone. */
export async function cpuPercent(pid: number, ms = 1000): Promise<number> {
  const ticks = (): number => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 Hz)
  };
  try {
    const before = ticks();
    await delay(ms);
    return ((ticks() - before) * 1000) / ms;
  } catch {
    return -1;
  }
}
