/** Small HTTP client helpers for tests: one request, and a bounded steady load loop. */
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

/** A loopback port free a moment ago (nothing listens on it now). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request to 127.0.0.1:port. */
export function httpGet(
  port: number,
  path: string,
  options: { agent?: Agent | false; method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: options.agent ?? false, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  errors: string[];
  pids: Set<number>;
}

/**
 * Keep `concurrency` request loops running against `path` until stop() (or `maxMs`), half on
 * keep-alive connections, half on new connections. Responses must be 200 with JSON {pid}.
 */
export function startLoad(port: number, path: string, options: { concurrency?: number; maxMs?: number } = {}) {
  const concurrency = options.concurrency ?? 4;
  const deadline = performance.now() + (options.maxMs ?? 60_000);
  const keepAlive = new Agent({ keepAlive: true, maxSockets: concurrency });
  const report: LoadReport = { sent: 0, ok: 0, failed: 0, errors: [], pids: new Set() };
  let running = true;
  const loop = async (agent: Agent | false): Promise<void> => {
    while (running && performance.now() < deadline) {
      report.sent++;
      try {
        const result = await httpGet(port, path, { agent });
        if (result.status !== 200) throw new Error(`status ${result.status}: ${result.body.slice(0, 100)}`);
        const pid = (JSON.parse(result.body) as { pid?: number }).pid;
        if (pid) report.pids.add(pid);
        report.ok++;
      } catch (error) {
        report.failed++;
        if (report.errors.length < 20) report.errors.push((error as Error).message);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, (_, i) => loop(i % 2 === 0 ? keepAlive : false));
  return {
    report,
    async stop(): Promise<LoadReport> {
      running = false;
      await Promise.all(loops);
      keepAlive.destroy();
      return report;
    },
  };
}
