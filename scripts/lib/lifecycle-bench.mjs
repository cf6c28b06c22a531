// Launcher lifecycle measurements shared by scripts/bench-launcher.mjs and scripts/bench.mjs.
// A "peer" is any launcher-like process that prints JSON lines on stdout:
//   {"msg":"launcher ready","port":N,"pids":[...]}   once its N workers serve
//   {"msg":"worker ready","workerPid":P}             whenever a worker (a replacement too) serves
// and is described by:
//   { name, command, args, env?, workers,
//     spare?: true          wait for "spare worker loaded and waiting" after start and each kill (ours)
//     reloadLine?: 'msg'    SIGHUP is complete at this line; otherwise after `workers` new worker lines
//     stoppedLine?: 'msg'   SIGTERM is complete at this line; otherwise when the process exits }
// Every wait is bounded; every process started here is stopped here (SIGTERM, then SIGKILL).
import { Agent, request } from 'node:http';
import { get, processTree, schedNs, sleep, startServer } from './proc.mjs';

const READY_MS = 60_000;
const STEP_MS = 30_000;

/** SIGTERM by pid, SIGKILL after `graceMs`; resolves once the process exited. */
export async function stopPeer(server, graceMs = 10_000) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const exited = await Promise.race([server.exited, sleep(graceMs).then(() => null)]);
  if (!exited) {
    server.kill();
    await server.exited;
  }
}

/** Start a peer and wait until it serves; resolves with { server, port, pids }. */
export async function startPeer(peer) {
  const server = startServer(peer.command, peer.args, { env: peer.env ?? {} });
  try {
    const ready = await Promise.race([
      server.waitFor((line) => line.msg === 'launcher ready', READY_MS, `${peer.name}: launcher ready`),
      server.exited.then(({ code, signal }) => Promise.reject(new Error(`${peer.name} exited before ready (${code ?? signal})`))),
    ]);
    if (peer.spare) await server.waitFor((line) => line.msg === 'spare worker loaded and waiting', READY_MS, `${peer.name}: spare`);
    return { server, port: ready.port, pids: new Set(ready.pids) };
  } catch (error) {
    await stopPeer(server, 2000);
    throw error;
  }
}

/**
 * kill -9 one worker `trials` times (the oldest each time), `gapMs` after the previous
 * replacement was ready; returns the times in ms from the kill to the replacement's
 * "worker ready" line.
 */
export async function replacementTimes(peer, { trials = 10, gapMs = 200 } = {}) {
  const { server, pids } = await startPeer(peer);
  const times = [];
  try {
    await sleep(gapMs); // the first kill, too, comes gapMs after the last fork
    for (let i = 0; i < trials; i++) {
      const victim = [...pids][0];
      const from = server.lines.length;
      const killedAt = performance.now();
      process.kill(victim, 'SIGKILL');
      const ready = await server.waitFor(
        (line) => line.msg === 'worker ready' && !pids.has(line.workerPid),
        STEP_MS,
        `${peer.name}: replacement`,
        from,
      );
      times.push(ready.at - killedAt);
      pids.delete(victim);
      pids.add(ready.workerPid);
      if (peer.spare) await server.waitFor((line) => line.msg === 'spare worker loaded and waiting', STEP_MS, `${peer.name}: spare`, from);
      await sleep(gapMs);
    }
  } finally {
    await stopPeer(server);
  }
  return times;
}

/**
 * The same measurement for several peers at once, interleaved: every peer runs for the whole
 * measurement and each round kills one worker of each peer in turn, so a noisy moment on a
 * shared machine falls on every peer alike (run one after another, a peer can draw a quiet
 * minute and the next a busy one). A peer is killed again `gapMs` after its own replacement at
 * the earliest; between two kills of any peers, `settleMs` pass once the previous peer is quiet
 * again (its new spare loaded). Returns a Map of peer name to times in ms (NaN: over 10 s), and
 * `cpu`, a Map of peer name to { onCpu, waiting } per trial: the CPU ms the launcher's processes
 * spent from the kill to "worker ready" (the ones alive before, but the victim, and the
 * replacement), and the ms they waited for a CPU meanwhile (the machine's noise in that trial).
 * A peer whose workers are not the launcher's descendants (pm2's daemon) gets no CPU figures.
 */
export async function interleavedReplacementTimes(peers, { trials = 10, gapMs = 1100, settleMs = 300 } = {}) {
  const running = [];
  const times = new Map(peers.map((peer) => [peer.name, []]));
  const cpu = new Map(peers.map((peer) => [peer.name, []]));
  const sched = (pids) =>
    pids.map(schedNs).reduce((a, b) => ({ onCpu: a.onCpu + b.onCpu, waiting: a.waiting + b.waiting }), { onCpu: 0, waiting: 0 });
  try {
    for (const peer of peers) running.push({ peer, ...(await startPeer(peer)), readyAt: performance.now() });
    for (let i = 0; i < trials; i++) {
      for (const state of running) {
        const { peer, server, pids } = state;
        const wait = state.readyAt + gapMs - performance.now();
        if (wait > 0) await sleep(wait);
        const victim = [...pids][0];
        const tree = processTree(server.child.pid);
        const watched = tree.includes(victim) ? tree.filter((pid) => pid !== victim) : undefined;
        const before = watched && sched(watched);
        const from = server.lines.length;
        const killedAt = performance.now();
        process.kill(victim, 'SIGKILL');
        const ready = await server
          .waitFor((line) => line.msg === 'worker ready' && !pids.has(line.workerPid), 10_000, `${peer.name}: replacement`, from)
          .catch(() => undefined);
        times.get(peer.name).push(ready ? ready.at - killedAt : NaN);
        if (!ready) throw new Error(`${peer.name}: no replacement within 10 s`);
        if (watched) {
          const after = sched(watched.includes(ready.workerPid) ? watched : [...watched, ready.workerPid]);
          cpu.get(peer.name).push({ onCpu: (after.onCpu - before.onCpu) / 1e6, waiting: (after.waiting - before.waiting) / 1e6 });
        }
        pids.delete(victim);
        pids.add(ready.workerPid);
        if (peer.spare)
          await server.waitFor((line) => line.msg === 'spare worker loaded and waiting', STEP_MS, `${peer.name}: spare`, from);
        state.readyAt = performance.now();
        await sleep(settleMs);
      }
    }
  } finally {
    await Promise.all(running.map(({ server }) => stopPeer(server)));
  }
  return Object.assign(times, { cpu });
}

/**
 * Start, open `idleClients` keep-alive connections (one request each, then idle), SIGTERM;
 * returns the times in ms until the peer stopped, `trials` times (NaN when it took > 10 s).
 */
export async function sigtermTimes(peer, { trials = 5, idleClients = 50 } = {}) {
  const times = [];
  for (let i = 0; i < trials; i++) {
    const { server, port } = await startPeer(peer);
    const agent = new Agent({ keepAlive: true, maxSockets: idleClients });
    try {
      await Promise.all(Array.from({ length: idleClients }, () => get(port, '/', agent)));
      const from = server.lines.length;
      const sentAt = performance.now();
      server.child.kill('SIGTERM');
      const stopped = peer.stoppedLine
        ? server.waitFor((line) => line.msg === peer.stoppedLine, 10_000, `${peer.name}: stopped`, from).catch(() => ({ at: NaN }))
        : Promise.race([server.exited, sleep(10_000).then(() => ({ at: NaN }))]);
      times.push((await stopped).at - sentAt);
    } finally {
      agent.destroy();
      await stopPeer(server);
    }
  }
  return times;
}

/** One GET; resolves { ok, why, reused } (reused: the request went out on a kept-alive socket). */
function probe(port, agent) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.once('error', (error) => resolve({ ok: false, why: error.message, reused: req.reusedSocket }));
      res.once('end', () => resolve({ ok: res.statusCode === 200, why: `status ${res.statusCode}`, reused: req.reusedSocket }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.once('error', (error) => resolve({ ok: false, why: error.message, reused: req.reusedSocket }));
    req.end();
  });
}

/**
 * `concurrency` loops, half on keep-alive sockets, half on a new connection per request, until
 * stop(). A failure on a reused keep-alive socket is counted apart (`reusedFailed`): the server
 * closed it as the request went out, the race HTTP/1.1 leaves to clients (they retry those).
 */
function clientLoops(port, { concurrency, maxMs }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const stats = { sent: 0, ok: 0, failed: 0, reusedFailed: 0, errors: new Map() };
  const deadline = performance.now() + maxMs;
  let running = true;
  const loop = async (useAgent) => {
    while (running && performance.now() < deadline) {
      stats.sent++;
      const result = await probe(port, useAgent ? agent : false);
      if (result.ok) stats.ok++;
      else {
        stats.failed++;
        if (result.reused) stats.reusedFailed++;
        stats.errors.set(result.why, (stats.errors.get(result.why) ?? 0) + 1);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, (_, i) => loop(i % 2 === 0));
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return stats;
    },
  };
}

/**
 * Under a client loop (`concurrency` loops, half keep-alive, half new connections), SIGHUP and
 * wait for the reload to complete; returns the loops' { sent, ok, failed, reusedFailed, errors }
 * plus `reloadMs` (SIGHUP to reload complete).
 */
export async function reloadUnderLoad(peer, { concurrency = 8, settleMs = 1000 } = {}) {
  const { server, port, pids } = await startPeer(peer);
  const load = clientLoops(port, { concurrency, maxMs: 120_000 });
  try {
    await sleep(settleMs);
    const from = server.lines.length;
    let fresh = 0;
    const done = peer.reloadLine
      ? (line) => line.msg === peer.reloadLine
      : (line) => line.msg === 'worker ready' && !pids.has(line.workerPid) && ++fresh === peer.workers;
    const sentAt = performance.now();
    server.child.kill('SIGHUP');
    const complete = await server.waitFor(done, STEP_MS, `${peer.name}: reload`, from);
    const reloadMs = complete.at - sentAt;
    await sleep(settleMs);
    return { ...(await load.stop()), reloadMs };
  } finally {
    await load.stop();
    await stopPeer(server);
  }
}
