// The app pm2 runs in cluster mode for scripts/bench.mjs: the same handler as ours and raw
// node:cluster (scripts/lib/hello-app.mjs), with pm2's documented graceful shutdown (close the
// server on SIGINT, which pm2 sends on stop/reload; node >= 19 closes idle keep-alive sockets on
// close()). Tells the driver (pm2-launcher.mjs) through pm2's bus once it listens.
import { createServer } from 'node:http';
import hello from '../lib/hello-app.mjs';

const server = createServer(hello);
// The launcher keeps idle connections for client_socket_timeout (900 s); match node's reuse.
server.keepAliveTimeout = 900_000;
server.listen(Number(process.env.BENCH_PORT), process.env.BENCH_HOST ?? '127.0.0.1', () => {
  process.send?.({ type: 'process:msg', data: { msg: 'worker ready', workerPid: process.pid } });
});
process.once('SIGINT', () => server.close(() => process.exit(0)));
