// The app of the embedded-transport RPC benchmark (scripts/lib/embedded-rpc-bench.mjs), loaded by
// our launcher with `--app`: GET /bench?c=N&s=S runs a closed loop (closed-loop.mjs) of `echo`
// calls through the worker's RpcClient, over the embedded transport (the launcher's router), and
// answers with the loop's JSON fields plus this worker's pid. GET /warmup?c=N runs 50 calls and
// then the loop for WARMUP_SECONDS, as the other benchmark clients warm up; the benchmark asks
// for it before it reads the processes' CPU time. Anything else: 404.
import { closedLoop, WARMUP_SECONDS } from './closed-loop.mjs';

export default function embeddedRpcBenchApp({ rpc }) {
  const call = () => rpc.call({}, 'echo', { value: 1 });
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const concurrency = Number(url.searchParams.get('c') ?? '1');
    const seconds =
      url.pathname === '/warmup' ? WARMUP_SECONDS : url.pathname === '/bench' ? Number(url.searchParams.get('s') ?? '5') : undefined;
    if (seconds === undefined) {
      res.writeHead(404).end();
      return;
    }
    void (async () => {
      if (url.pathname === '/warmup') for (let i = 0; i < 50; i++) await call();
      const result = await closedLoop(call, { concurrency, seconds, warmupSeconds: 0 });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...result, pid: process.pid }));
    })().catch((error) => res.writeHead(500).end(String(error?.stack ?? error)));
  };
}
