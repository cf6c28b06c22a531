// Helpers for benchmark scripts, one copy each: start and stop a server process that prints JSON
// log lines and wait for lines, a bounded HTTP load loop, the median, and CPU time from /proc.
// Loopback only; every wait is bounded.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

/** SIGTERM `child` by pid, SIGKILL after `timeoutMs`; resolves once it exited. */
export function stopProcess(child, timeoutMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Spawn `command args`, collect its JSON stdout lines; `waitFor(pred)` resolves on a match.
 * `quietAfter(line)`: once a line matches, later output is drained unread (a benchmark's access
 * log would otherwise cost the measuring process CPU and memory). `tail()` is the last output.
 */
export function startServer(command, args, { env = {}, quietAfter, stderr = 'inherit' } = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', stderr], env: { ...process.env, ...env } });
  const lines = [];
  const waiters = new Set();
  let buffer = '';
  let quiet = false;
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk) => (tail = (tail + chunk).slice(-4000)));
  child.stdout.on('data', (chunk) => {
    if (quiet) return;
    tail = (tail + chunk).slice(-4000);
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const text = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      let line;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      line.at = performance.now();
      lines.push(line);
      for (const waiter of waiters) if (waiter.predicate(line)) waiters.delete(waiter), waiter.resolve(line);
      if (quietAfter?.(line)) {
        quiet = true;
        buffer = '';
        return;
      }
    }
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  return {
    child,
    lines,
    exited,
    waitFor(predicate, timeoutMs = 30_000, what = 'line', from = 0) {
      const seen = lines.slice(from).find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve: (line) => (clearTimeout(timer), resolve(line)) };
        const timer = setTimeout(() => (waiters.delete(waiter), reject(new Error(`timed out waiting for ${what}`))), timeoutMs);
        waiters.add(waiter);
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    stop: (timeoutMs) => stopProcess(child, timeoutMs),
    tail: () => tail,
  };
}

/** One GET; resolves with the status, rejects on a network error. */
export function get(port, path, agent) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** `concurrency` loops (half keep-alive, half new connections) until stop(); counts failures. */
export function loadLoop(port, path, { concurrency = 8, maxMs = 60_000 } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const stats = { sent: 0, ok: 0, failed: 0, errors: new Map() };
  const deadline = performance.now() + maxMs;
  let running = true;
  const loop = async (useAgent) => {
    while (running && performance.now() < deadline) {
      stats.sent++;
      try {
        const status = await get(port, path, useAgent ? agent : false);
        if (status === 200) stats.ok++;
        else throw new Error(`status ${status}`);
      } catch (error) {
        stats.failed++;
        stats.errors.set(error.message, (stats.errors.get(error.message) ?? 0) + 1);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, (_, i) => loop(i % 2 === 0));
  return {
    stats,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return stats;
    },
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The median of the finite values (the mean of the middle two for an even count); NaN if none. */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** `pid`'s parent and user+system CPU ticks from /proc/PID/stat; undefined when it is gone. */
function readStat(pid) {
  try {
    // The command may hold spaces and parentheses: the fields after the last ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) `pid` used so far; undefined when unreadable. */
export function cpuSeconds(pid) {
  const stat = pid === undefined ? undefined : readStat(pid);
  return stat === undefined ? undefined : stat.ticks / CLK_TCK;
}

/** `root` and the pids of all its descendants, from /proc. */
export function processTree(root) {
  const parentOf = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat) parentOf.set(Number(entry), stat.ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/**
 * CPU seconds (user + system) used so far by `root` and its descendants. On a shared machine
 * req/s swings with other load; CPU per request is the steadier figure.
 */
export function treeCpuSeconds(root) {
  return processTree(root).reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
}

/**
 * Nanoseconds `pid`'s threads ran on a CPU and waited for one, from /proc/PID/task/* /schedstat
 * (nanosecond resolution, unlike /proc/PID/stat's 10 ms ticks); zeros when it is gone.
 */
export function schedNs(pid) {
  const total = { onCpu: 0, waiting: 0 };
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return total;
  }
  for (const tid of tasks) {
    try {
      const [onCpu, waiting] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      total.onCpu += onCpu;
      total.waiting += waiting;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}
