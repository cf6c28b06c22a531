// The app of the embedded-transport RPC benchmark (scripts/lib/embedded-rpc-bench.mjs), loaded by
// our launcher with `--app`: GET /bench?c=N&s=S runs a closed loop (closed-loop.mjs) of `echo`
// calls through the worker's RpcClient, over the embedded transport (the launcher's router), and
// answers with the loop's JSON fields plus this worker's pid. 50 warm-up calls come first, as in
// the other benchmark clients. Anything else: 404.
import { closedLoop } from './closed-loop.mjs';

export default function embeddedRpcBenchApp({ rpc }) {
  const call = () => rpc.call({}, 'echo', { value: 1 });
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/bench') {
      res.writeHead(404).end();
      return;
    }
    const concurrency = Number(url.searchParams.get('c') ?? '1');
    const seconds = Number(url.searchParams.get('s') ?? '5');
    void (async () => {
      for (let i = 0; i < 50; i++) await call();
      const result = await closedLoop(call, { concurrency, seconds });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...result, pid: process.pid }));
    })().catch((error) => res.writeHead(500).end(String(error?.stack ?? error)));
  };
}
