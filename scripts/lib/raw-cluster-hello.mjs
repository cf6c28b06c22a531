// The reference for scripts/bench-http.mjs: plain node:cluster (round-robin scheduling, the
// Linux default) with N workers serving hello-app.mjs, nothing else. Prints the launcher's
// readiness line, {"msg":"launcher ready","port":N}, once every worker listens.
// Usage: node scripts/lib/raw-cluster-hello.mjs [--workers 2] [--host 127.0.0.1] [--port 0] [--cert F --key F]
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { parseArgs } from 'node:util';
import hello from './hello-app.mjs';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    cert: { type: 'string' },
    key: { type: 'string' },
  },
});

if (cluster.isPrimary) {
  const workers = Number(values.workers);
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    listening++;
    if (listening === workers) console.log(JSON.stringify({ msg: 'launcher ready', port: address.port, pid: process.pid }));
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
    cluster.on('exit', () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  const server = values.cert
    ? createHttpsServer({ cert: readFileSync(values.cert), key: readFileSync(values.key) }, hello)
    : createHttpServer(hello);
  // The launcher keeps idle connections for client_socket_timeout (900 s); match node's reuse.
  server.keepAliveTimeout = 900_000;
  server.listen(Number(values.port), values.host);
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
