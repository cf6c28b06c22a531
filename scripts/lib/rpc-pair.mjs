// One RPC benchmark cell for scripts/bench.mjs: start a server process, run a client process for
// a bounded time, parse its JSON line {calls, errors, seconds, p50_ms, p99_ms}, stop the server.
// The processes are the existing ones: scripts/lib/bench-node-{server,client}.mjs (ours, raw
// amqplib), test/fixtures/python/oslo_{server,client}.py (oslo.messaging) and
// scripts/peers/moleculer-rpc.mjs (Moleculer).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOOP_START_LINE, WARMUP_SECONDS } from './closed-loop.mjs';
import { cpuSeconds, stopProcess } from './proc.mjs';

const at = (path) => fileURLToPath(new URL(path, import.meta.url));
const PYTHON = '/usr/bin/python3';
const NODE_SERVER = at('./bench-node-server.mjs');
const NODE_CLIENT = at('./bench-node-client.mjs');
const MOLECULER = at('../peers/moleculer-rpc.mjs');
const PY_SERVER = at('../../test/fixtures/python/oslo_server.py');
const PY_CLIENT = at('../../test/fixtures/python/oslo_client.py');
const rabbit = (url) => url.replace(/^amqp:/, 'rabbit:');

/** The argv of our benchmark server and client processes in `mode` (bench-node-server.mjs modes). */
export function nodeSide(mode) {
  return {
    server: (url, topic) => [process.execPath, NODE_SERVER, mode, url, topic],
    client: (url, topic, c, s) => [process.execPath, NODE_CLIENT, mode, url, topic, String(c), String(s)],
  };
}

/** argv of the server and client of each side, by name. */
export const RPC_SIDES = {
  raw: nodeSide('raw'),
  rawWire: nodeSide('raw-wire'),
  ours: nodeSide('oslo'),
  moleculer: {
    server: (url, topic) => [process.execPath, MOLECULER, 'server', url, topic],
    client: (url, topic, c, s) => [process.execPath, MOLECULER, 'client', url, topic, String(c), String(s)],
  },
  python: {
    server: (url, topic) => [PYTHON, PY_SERVER, rabbit(url), topic, 'bench'],
    client: (url, topic, c, s) => [
      PYTHON,
      PY_CLIENT,
      rabbit(url),
      JSON.stringify([
        {
          op: 'bench',
          topic,
          method: 'echo',
          args: { value: 1 },
          concurrency: c,
          seconds: s,
          timeout: 30,
          announce: true,
          warmup: WARMUP_SECONDS,
        },
      ]),
    ],
  },
};

/**
 * Spawn a server; resolves with an async stop() once it printed a line containing "ready".
 * `stop.pid` is the server's pid (for CPU figures).
 */
export function startRpcServer(argv, timeoutMs = 60_000) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  child.stderr.on('data', (chunk) => (tail = (tail + chunk).slice(-2000)));
  const stop = () => stopProcess(child, 10_000);
  return new Promise((resolve, reject) => {
    const fail = (why) => (clearTimeout(timer), void stop().then(() => reject(new Error(`${why}: ${tail}`))));
    const timer = setTimeout(() => fail('server not ready in time'), timeoutMs);
    child.once('exit', (code, signal) => fail(`server exited (${code ?? signal})`));
    child.stdout.on('data', (chunk) => {
      if (!/ready/.test(String(chunk))) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(Object.assign(stop, { pid: child.pid }));
    });
  });
}

/** User+system CPU time of `pid` so far, in ms (Linux /proc); undefined when unreadable. */
export function cpuMs(pid) {
  const seconds = cpuSeconds(pid);
  return seconds === undefined ? undefined : seconds * 1000;
}

/**
 * Run a client to completion (bounded); resolves with its last JSON line. `watch` names other
 * processes ({ server: pid, broker: pid }): their CPU time over the client's loop (from its
 * LOOP_START_LINE to its result line) is added as `<name>_cpu_ms` (undefined when unreadable).
 */
export function runRpcClient(argv, seconds, watch = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const names = Object.keys(watch);
    let started;
    const ended = {};
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (started === undefined && out.includes(LOOP_START_LINE))
        started = Object.fromEntries(names.map((name) => [name, cpuMs(watch[name])]));
      // The result line: read the CPU times before the client's own shutdown adds to them.
      if (started !== undefined && out.slice(out.indexOf(LOOP_START_LINE) + LOOP_START_LINE.length).includes('"calls"')) {
        for (const name of names) ended[name] ??= cpuMs(watch[name]);
      }
    });
    child.stderr.on('data', (chunk) => (err = (err + chunk).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        const result = JSON.parse(out.trim().split('\n').pop() ?? '');
        if (result.ok === false) throw new Error(result.message);
        for (const name of names) {
          const before = started?.[name];
          result[`${name}_cpu_ms`] = before === undefined || ended[name] === undefined ? undefined : ended[name] - before;
        }
        resolve(result);
      } catch {
        reject(new Error(`client failed (${code ?? signal}): ${err || out}`.slice(0, 1500)));
      }
    });
  });
}

/**
 * The broker: $OSLO_NODE_TEST_TRANSPORT_URL, else the running scripts/rabbitmq.sh one, else one
 * started here; `stop()` stops only one started here. `pid` is the broker's (beam) pid when
 * scripts/rabbitmq.sh runs it, for CPU figures.
 */
export function broker() {
  const script = at('../rabbitmq.sh');
  // Where scripts/rabbitmq.sh keeps its files.
  const base = process.env.OSLO_NODE_RABBITMQ_DIR ?? at('../../.tmp/rabbitmq');
  const pidFile = `${base}/server.erlpid`;
  const pid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || undefined : undefined);
  if (process.env.OSLO_NODE_TEST_TRANSPORT_URL) return { url: process.env.OSLO_NODE_TEST_TRANSPORT_URL, pid: undefined, stop: () => {} };
  const urlFile = `${base}/url`;
  if (spawnSync('bash', [script, 'status'], { stdio: 'ignore' }).status === 0 && existsSync(urlFile)) {
    return { url: readFileSync(urlFile, 'utf8').trim(), pid: pid(), stop: () => {} };
  }
  const start = spawnSync('bash', [script, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 });
  if (start.status !== 0) throw new Error('no broker: scripts/rabbitmq.sh start failed');
  return { url: start.stdout.trim().split('\n').pop(), pid: pid(), stop: () => spawnSync('bash', [script, 'stop'], { stdio: 'inherit' }) };
}
