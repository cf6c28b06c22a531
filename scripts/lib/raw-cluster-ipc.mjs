// The limit of the embedded RPC transport: a raw node:cluster IPC ping-pong between two workers
// through the primary, nothing else. Worker 1 runs the closed loop (closed-loop.mjs): each call is
// a small object sent to the primary, forwarded to worker 2, answered, forwarded back: the four
// IPC hops of an embedded RPC call. Prints one JSON line: the closed-loop fields plus the CPU time
// of each process over the loop (client_cpu_ms, server_cpu_ms, primary_cpu_ms).
//
//   node scripts/lib/raw-cluster-ipc.mjs CONCURRENCY SECONDS
import cluster from 'node:cluster';
import { closedLoop, LOOP_START_LINE, WARMUP_SECONDS } from './closed-loop.mjs';

const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

if (cluster.isPrimary) {
  const [concurrency, seconds] = process.argv.slice(2).map(Number);
  if (!(concurrency >= 1) || !(seconds > 0)) {
    console.error('usage: raw-cluster-ipc.mjs CONCURRENCY SECONDS');
    process.exit(2);
  }
  const client = cluster.fork({ RAW_IPC_ROLE: 'client' });
  const server = cluster.fork({ RAW_IPC_ROLE: 'server' });
  let up = 0;
  let primaryStart = 0;
  let serverStart;
  let result;
  const ready = () => ++up === 2 && client.send({ t: 'warm', concurrency });
  // The forwarding is the whole of the primary's work per hop.
  client.on('message', (message) => {
    if (message.t === 'call') server.send(message);
    else if (message.t === 'up') ready();
    else if (message.t === 'begin') {
      console.log(LOOP_START_LINE); // for scripts/bench-rpc-profile.mjs
      primaryStart = cpuNow();
      server.send({ t: 'cpu' });
    } else if (message.t === 'result') {
      result = { ...message.result, primary_cpu_ms: cpuNow() - primaryStart };
      server.send({ t: 'cpu' });
    }
  });
  server.on('message', (message) => {
    if (message.t === 'reply') client.send(message);
    else if (message.t === 'up') ready();
    else if (message.t === 'cpu' && serverStart === undefined) {
      serverStart = message.cpu;
      client.send({ t: 'go', concurrency, seconds });
    } else if (message.t === 'cpu') {
      console.log(JSON.stringify({ ...result, server_cpu_ms: message.cpu - serverStart }));
      client.process.kill();
      server.process.kill();
    }
  });
} else if (process.env.RAW_IPC_ROLE === 'server') {
  process.on('message', (message) => {
    if (message.t === 'call') process.send({ t: 'reply', id: message.id, value: message.value });
    else if (message.t === 'cpu') process.send({ t: 'cpu', cpu: cpuNow() });
  });
  process.send({ t: 'up' });
} else {
  const pending = new Map();
  let seq = 0;
  const call = (value) =>
    new Promise((resolve) => {
      const id = ++seq;
      pending.set(id, resolve);
      process.send({ t: 'call', id, value });
    });
  process.on('message', async (message) => {
    if (message.t === 'reply') {
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      resolve?.(message.value);
    } else if (message.t === 'warm') {
      // Warm up as the other benchmark clients, before the primary and the server read their CPU time.
      for (let i = 0; i < 50; i++) await call(i);
      await closedLoop(() => call(1), { concurrency: message.concurrency, seconds: WARMUP_SECONDS, warmupSeconds: 0 });
      process.send({ t: 'begin' });
    } else if (message.t === 'go') {
      const result = await closedLoop(() => call(1), { concurrency: message.concurrency, seconds: message.seconds, warmupSeconds: 0 });
      process.send({ t: 'result', result: { ...result, client_cpu_ms: result.cpu_ms } });
    }
  });
  process.send({ t: 'up' });
}
