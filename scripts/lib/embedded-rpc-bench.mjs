// The embedded transport's RPC benchmark cells (scripts/bench.mjs, scripts/bench-rpc-embedded.mjs):
//   ours: our launcher with 2 workers and the embedded transport (the default without
//     transport_url); one worker runs a closed loop of `echo` calls through its RpcClient
//     (embedded-rpc-app.mjs); the service's RpcServer in every worker answers. The topic's two
//     consumers take the calls in turn, so half are answered by the calling worker itself (in the
//     process), half by the other worker, directly over their peer socket (docs/embedded-direct-path.md);
//     the raw reference crosses the primary twice for every call.
//   raw: raw-cluster-ipc.mjs, the IPC ping-pong between two workers through the primary (the limit).
// Both return { calls, errors, seconds, p50_ms, p99_ms, client_cpu_ms, server_cpu_ms, primary_cpu_ms }:
// client = the calling worker, server = the other worker, primary = the launcher.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPeer, stopPeer } from './lifecycle-bench.mjs';
import { cpuMs } from './rpc-pair.mjs';

const at = (path) => fileURLToPath(new URL(path, import.meta.url));

/** Pids of the children of `pid` (Linux /proc). */
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Our launcher with 2 workers and the benchmark app (embedded-rpc-app.mjs), for startPeer();
 * `checkout` another built checkout's launcher, `env` more environment for it.
 */
export function embeddedPeer({ embeddedSocket, checkout, env = {} }) {
  const launcherJs = checkout ? join(checkout, 'dist', 'launcher.js') : at('../../dist/launcher.js');
  return {
    name: 'ours (embedded)',
    command: process.execPath,
    args: [
      launcherJs,
      '--workers',
      '2',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--app',
      at('./embedded-rpc-app.mjs'),
      '--no-access-log',
      '--periodic-enable=false',
      '--no-prefork-spare',
    ],
    env: { OSLO_NODE_EMBEDDED_SOCKET: embeddedSocket, ...env },
  };
}

/** GET `path` of the benchmark app (embedded-rpc-app.mjs) on `port`: its JSON, or an error with its answer. */
export async function askBenchApp(port, path) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  if (!response.ok) throw new Error(`bench app answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/**
 * One cell over our launcher: { calls, ..., client_cpu_ms, server_cpu_ms, primary_cpu_ms }.
 * `checkout`: another built checkout whose launcher to run (a before/after comparison).
 * `countIpc`: also count the IPC messages the launcher and the workers send (count-ipc.mjs):
 * adds `ipc` { messages, bytes, frames } per call (over the warm-up and measured calls; set-up adds a few dozen).
 */
export async function embeddedRpcCell({ concurrency, seconds, embeddedSocket, checkout, countIpc = false }) {
  const countDir = countIpc ? mkdtempSync(join(tmpdir(), 'oslo-node-count-ipc-')) : undefined;
  const countEnv = countDir ? { NODE_OPTIONS: `--import ${at('./count-ipc.mjs')}`, OSLO_NODE_COUNT_IPC_DIR: countDir } : {};
  const { server, port } = await startPeer(embeddedPeer({ embeddedSocket, checkout, env: countEnv }));
  let result;
  let warmupCalls = 0;
  try {
    warmupCalls = 50 + (await askBenchApp(port, `/warmup?c=${concurrency}`)).calls;
    const launcher = server.child.pid;
    const pids = [launcher, ...childPids(launcher)];
    const before = new Map(pids.map((pid) => [pid, cpuMs(pid)]));
    const loop = await askBenchApp(port, `/bench?c=${concurrency}&s=${seconds}`);
    const used = (pid) => cpuMs(pid) - before.get(pid);
    const others = pids.filter((pid) => pid !== launcher && pid !== loop.pid);
    result = {
      ...loop,
      client_cpu_ms: used(loop.pid),
      server_cpu_ms: others.reduce((sum, pid) => sum + used(pid), 0),
      primary_cpu_ms: used(launcher),
    };
  } finally {
    await stopPeer(server);
  }
  if (countDir) {
    result.ipc = ipcCounts(countDir, result.calls + warmupCalls);
    rmSync(countDir, { recursive: true, force: true });
  }
  return result;
}

/** The counts count-ipc.mjs wrote, summed over the processes, per call. */
function ipcCounts(dir, calls) {
  const total = { messages: 0, bytes: 0, frames: {} };
  for (const name of readdirSync(dir)) {
    const counts = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    total.messages += counts.messages;
    total.bytes += counts.bytes;
    for (const [type, n] of Object.entries(counts.frames)) total.frames[type] = (total.frames[type] ?? 0) + n;
  }
  const perCall = (n) => n / calls;
  return {
    messages: perCall(total.messages),
    bytes: perCall(total.bytes),
    frames: Object.fromEntries(Object.entries(total.frames).map(([type, n]) => [type, perCall(n)])),
  };
}

/** One cell of the raw IPC ping-pong (the limit). */
export function rawIpcCell({ concurrency, seconds }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [at('./raw-cluster-ipc.mjs'), String(concurrency), String(seconds)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err = (err + chunk).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`raw IPC ping-pong failed (${code ?? signal}): ${err || out}`.slice(0, 1500)));
      }
    });
  });
}
