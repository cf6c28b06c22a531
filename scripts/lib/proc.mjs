// Helpers for benchmark scripts: start a server process that prints JSON log lines, wait for
// lines, and a bounded HTTP load loop. Loopback only; every wait is bounded.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';

/** Spawn `command args`, collect its JSON stdout lines; `waitFor(pred)` resolves on a match. */
export function startServer(command, args, { env = {} } = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const lines = [];
  const waiters = new Set();
  let buffer = '';
  child.stdout.on('data', (chunk) => {
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
      for (const waiter of waiters) if (waiter.predicate(line)) (waiters.delete(waiter), waiter.resolve(line));
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

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
}
