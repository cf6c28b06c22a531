// Drives pm2 for scripts/bench.mjs so that pm2 looks like our launcher from outside: starts the
// hello app in pm2 cluster mode (N instances) and prints JSON lines on stdout:
//   {"msg":"worker ready","workerPid":P}                  each worker, once it listens (pm2 bus)
//   {"msg":"launcher ready","port":N,"pids":[...]}        once the first N listen
//   {"msg":"rolling restart complete"}                    after SIGHUP -> `pm2 reload`
//   {"msg":"workers stopped"}                             after SIGTERM -> `pm2 delete`, then exits
// The pm2 daemon lives in $PM2_HOME (required, a temporary folder) and is left running for the
// next start; the caller ends it with `pm2 kill`.
// Usage: PM2_HOME=/tmp/x node scripts/peers/pm2-launcher.mjs [--workers 2] [--host 127.0.0.1]
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

if (!process.env.PM2_HOME) throw new Error('PM2_HOME must name a temporary folder');
const { default: pm2 } = await import('pm2');
const { values } = parseArgs({ options: { workers: { type: 'string', default: '2' }, host: { type: 'string', default: '127.0.0.1' } } });
const workers = Number(values.workers);
const name = `bench-hello-${randomBytes(3).toString('hex')}`;
const say = (fields) => process.stdout.write(`${JSON.stringify(fields)}\n`);
const promised = (fn, ...args) =>
  new Promise((resolve, reject) => fn.call(pm2, ...args, (error, value) => (error ? reject(error) : resolve(value))));

/** A free loopback port (pm2 cluster workers each listen; port 0 would not survive every worker dying). */
const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, values.host, () => {
        const { port } = probe.address();
        probe.close(() => resolve(port));
      });
  });

const port = await freePort();
await promised(pm2.connect);
const bus = await promised(pm2.launchBus);
const readyPids = [];
let announced = false;
bus.on('process:msg', (packet) => {
  if (packet.process?.name !== name || packet.data?.msg !== 'worker ready') return;
  say({ msg: 'worker ready', workerPid: packet.data.workerPid });
  readyPids.push(packet.data.workerPid);
  if (!announced && readyPids.length === workers) {
    announced = true;
    say({ msg: 'launcher ready', port, pids: readyPids, pid: process.pid });
  }
});
await promised(pm2.start, {
  name,
  script: fileURLToPath(new URL('./pm2-hello.mjs', import.meta.url)),
  exec_mode: 'cluster',
  instances: workers,
  env: { BENCH_PORT: String(port), BENCH_HOST: values.host },
  out_file: '/dev/null',
  error_file: '/dev/null',
});

process.on('SIGHUP', () => {
  promised(pm2.reload, name).then(
    () => say({ msg: 'rolling restart complete' }),
    (error) => say({ msg: 'reload failed', error: String(error) }),
  );
});
process.once('SIGTERM', () => {
  promised(pm2.delete, name)
    .then(
      () => say({ msg: 'workers stopped' }),
      (error) => say({ msg: 'stop failed', error: String(error) }),
    )
    .finally(() => {
      pm2.disconnect();
      process.exit(0);
    });
});
