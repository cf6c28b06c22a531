// The reference for scripts/bench-launcher.mjs: plain node:cluster with N workers serving
// hello-app.mjs, re-forking any worker that exits, and on SIGTERM closing every worker's server
// (node >= 19 closes idle keep-alive sockets on close()). On SIGHUP it restarts every worker at
// once, as oslo's ProcessLauncher does. Prints JSON lines like the launcher:
// {"msg":"launcher ready","port":N,"pids":[...]}, {"msg":"worker ready","workerPid":P}.
// Usage: node scripts/lib/raw-cluster-lifecycle.mjs [--workers 2] [--port 0]
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import hello from './hello-app.mjs';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '2' }, port: { type: 'string', default: '0' } } });
const say = (fields) => process.stdout.write(`${JSON.stringify(fields)}\n`);

if (cluster.isPrimary) {
  const workers = Number(values.workers);
  let stopping = false;
  let announced = false;
  cluster.on('listening', (worker, address) => {
    say({ msg: 'worker ready', workerPid: worker.process.pid });
    const ready = Object.values(cluster.workers ?? {}).filter((w) => w?.isConnected());
    if (!announced && ready.length === workers) {
      announced = true;
      say({ msg: 'launcher ready', port: address.port, pids: ready.map((w) => w.process.pid) });
    }
  });
  // Counted here: cluster.workers may still list the exiting worker during its 'exit' event.
  let alive = 0;
  cluster.on('fork', () => alive++);
  cluster.on('exit', () => {
    alive--;
    if (!stopping) cluster.fork();
    else if (alive === 0) process.exit(0);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send('stop');
  });
  process.on('SIGHUP', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send('stop');
  });
} else {
  const server = createServer(hello).listen(Number(values.port), '127.0.0.1');
  process.on('message', (message) => {
    if (message === 'stop') server.close(() => process.exit(0));
  });
}
