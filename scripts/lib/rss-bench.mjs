// Memory of a launcher-like peer (issue 29, 2): the resident set (VmRSS) of its primary and of its
// workers, 1 s after every worker is ready and again 1 s after 10,000 requests (keep-alive, 16
// connections, scripts/lib/fixed-count-client.mjs). For scripts/bench.mjs, which runs ours and
// raw node:cluster alternately and prints the ratios.
//
// RSS counts the file-backed pages of the node binary a process has touched (shared with every
// other node process, but counted in each) besides its own anonymous memory (V8's heap, malloc);
// both parts are returned, for the notes.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startPeer, stopPeer } from './lifecycle-bench.mjs';
import { processTree, sleep } from './proc.mjs';

const CLIENT = fileURLToPath(new URL('./fixed-count-client.mjs', import.meta.url));
const SETTLE_MS = 1000;

/** { rss, anon, file } in MiB from /proc/PID/status; undefined when the process is gone. */
export function residentMiB(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') };
}

/** `count` keep-alive GETs over 16 connections; rejects when the client fails. */
function sendRequests(port, count) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLIENT, '--port', String(port), '--requests', String(count)], { timeout: 120_000 }, (error, stdout) =>
      error ? reject(new Error(`fixed-count-client: ${error.message}`)) : resolve(stdout),
    );
  });
}

/**
 * Start `peer`, measure, stop it. Resolves with { idle, loaded }, each { primary, workers: [..],
 * others: [..] } of residentMiB() readings: `workers` are the serving workers (the pids of the
 * peer's readiness line, or every child when it names none), `others` the rest of the tree
 * (ours: the pre-forked spare).
 */
export async function measureMemory(peer, { requests = 10_000 } = {}) {
  const { server, port, pids } = await startPeer(peer);
  try {
    const primary = server.child.pid;
    const children = processTree(primary).filter((pid) => pid !== primary);
    const serving = pids.size > 0 ? children.filter((pid) => pids.has(pid)) : children;
    const others = children.filter((pid) => !serving.includes(pid));
    const read = () => ({ primary: residentMiB(primary), workers: serving.map(residentMiB), others: others.map(residentMiB) });
    await sleep(SETTLE_MS);
    const idle = read();
    await sendRequests(port, requests);
    await sleep(SETTLE_MS);
    return { idle, loaded: read() };
  } finally {
    await stopPeer(server);
  }
}
