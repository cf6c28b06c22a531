// HTTP throughput and p99 latency, ours against the limit, in one run, printed as ratios.
//
//   ours:      <launcher command> --workers N --no-access-log --app scripts/lib/hello-app.mjs
//   reference: scripts/lib/raw-cluster-hello.mjs (plain node:cluster, N workers, same handler)
//
// Variants: plain HTTP, TLS (both sides serve HTTPS with the same throwaway certificate), and
// the access log on (ours with the log against ours without: its cost). Optional variants
// `service` and `service-tls` run one process each (HttpService against node's own server) to
// separate HttpService's cost from the launcher's. Each server binds
// 127.0.0.1:0 and prints {"msg":"launcher ready","port":N}; wrk then runs a short warm-up and
// the measured run with keep-alive connections. Every server is stopped by PID at the end.
//
// --pin runs every server (its whole process tree) on CPU 0 and wrk on CPU 1 (taskset): the
// servers then compete with each other only, not with the load generator, so req/s measures
// their CPU cost per request with far less noise on a 2-CPU machine (use --threads 1 with it).
//
// Usage: node scripts/bench-http.mjs [--launcher "node dist/launcher.js"] [--workers 2]
//          [--duration 10] [--connections 64] [--threads 2] [--rounds 1] [--pin]
//          [--variants plain,tls,access-log[,service,service-tls]]
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeSelfSignedCert } from '../dist/test/helpers/certs.js';
import { median, startServer, treeCpuSeconds } from './lib/proc.mjs';
import { runWrk } from './lib/wrk.mjs';

const { values: opts } = parseArgs({
  options: {
    launcher: { type: 'string', default: 'node dist/launcher.js' },
    workers: { type: 'string', default: '2' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    variants: { type: 'string', default: 'plain,tls,access-log' },
    wrk: { type: 'string', default: '/usr/bin/wrk' },
    pin: { type: 'boolean', default: false },
  },
});

const APP = fileURLToPath(new URL('./lib/hello-app.mjs', import.meta.url));
const RAW = fileURLToPath(new URL('./lib/raw-cluster-hello.mjs', import.meta.url));
const SINGLE = fileURLToPath(new URL('./lib/single-process-hello.mjs', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const running = new Set();

/** Start `argv` (pinned to CPU 0 with --pin), resolve with the server once it is ready. */
async function startReadyServer(name, argv) {
  // taskset execs the command: the pid stays the server's.
  const command = opts.pin ? ['taskset', '-c', '0', ...argv] : argv;
  const isReady = (line) => line.msg === 'launcher ready' && Number.isInteger(line.port);
  const server = startServer(command[0], command.slice(1), { quietAfter: isReady, stderr: 'pipe' });
  running.add(server);
  void server.exited.then(() => running.delete(server));
  try {
    const ready = await Promise.race([
      server.waitFor(isReady, READY_TIMEOUT_MS, `${name}: launcher ready`),
      server.exited.then(({ code, signal }) => Promise.reject(new Error(`${name}: exited before ready (code ${code}, signal ${signal})`))),
    ]);
    return { server, port: ready.port };
  } catch (error) {
    await server.stop(STOP_TIMEOUT_MS);
    throw new Error(`${error.message}\n--- last output ---\n${server.tail()}`);
  }
}

/** Run wrk (on CPU 1 with --pin); a report without a p99 figure is a failure here. */
async function wrk(url, seconds) {
  const result = await runWrk(url, {
    seconds,
    threads: Number(opts.threads),
    connections: Number(opts.connections),
    wrk: opts.wrk,
    cpu: opts.pin ? '1' : undefined,
  });
  if (!Number.isFinite(result.p99Ms)) throw new Error(`wrk printed no 99th percentile for ${url}`);
  return result;
}

async function measure(name, argv, scheme) {
  const { server, port } = await startReadyServer(name, argv);
  const child = server.child;
  try {
    const url = `${scheme}://127.0.0.1:${port}/`;
    await wrk(url, 2);
    const cpuBefore = treeCpuSeconds(child.pid);
    const result = await wrk(url, Number(opts.duration));
    result.cpuUsPerReq = ((treeCpuSeconds(child.pid) - cpuBefore) * 1e6) / Math.max(1, result.requests);
    console.log(
      `  ${name.padEnd(28)} ${result.rps.toFixed(0).padStart(8)} req/s  p99 ${result.p99Ms.toFixed(2).padStart(7)} ms` +
        `  server CPU ${result.cpuUsPerReq.toFixed(1).padStart(5)} us/req` +
        `${result.non2xx ? `  non-2xx ${result.non2xx}` : ''}${result.socketErrors ? `  ${result.socketErrors}` : ''}`,
    );
    return result;
  } finally {
    await server.stop(STOP_TIMEOUT_MS);
  }
}

async function main() {
  const launcher = opts.launcher.split(' ').filter(Boolean);
  const workers = opts.workers;
  const oursBase = [...launcher, '--workers', workers, '--host', '127.0.0.1', '--port', '0', '--app', APP, '--no-periodic-enable'];
  const rawBase = [process.execPath, RAW, '--workers', workers, '--host', '127.0.0.1', '--port', '0'];
  const wanted = new Set(opts.variants.split(','));
  const cert = wanted.has('tls') || wanted.has('service-tls') ? makeSelfSignedCert('oslo-node-bench-') : undefined;
  const tlsOurs = cert ? ['--ssl-cert-file', cert.cert, '--ssl-key-file', cert.key] : [];
  const tlsRaw = cert ? ['--cert', cert.cert, '--key', cert.key] : [];

  // [label, reference, ours]; for access-log the "reference" is ours without the log.
  const variants = [
    ['plain', ['raw node:cluster', rawBase, 'http'], ['ours --no-access-log', [...oursBase, '--no-access-log'], 'http']],
    [
      'tls',
      ['raw node:cluster TLS', [...rawBase, ...tlsRaw], 'https'],
      ['ours TLS --no-access-log', [...oursBase, ...tlsOurs, '--no-access-log'], 'https'],
    ],
    [
      'access-log',
      ['ours --no-access-log', [...oursBase, '--no-access-log'], 'http'],
      ['ours --access-log', [...oursBase, '--access-log'], 'http'],
    ],
    // One process each, no launcher: HttpService's own cost against node's server listening itself.
    [
      'service',
      ['node http, 1 process', [process.execPath, SINGLE, '--mode', 'raw'], 'http'],
      ['HttpService, 1 process', [process.execPath, SINGLE, '--mode', 'service'], 'http'],
    ],
    [
      'service-tls',
      ['node https, 1 process', [process.execPath, SINGLE, '--mode', 'raw', ...tlsRaw], 'https'],
      ['HttpService TLS, 1 process', [process.execPath, SINGLE, '--mode', 'service', ...tlsRaw], 'https'],
    ],
  ].filter(([label]) => wanted.has(label));

  console.log(
    `wrk -t${opts.threads} -c${opts.connections} -d${opts.duration}s --latency, ${workers} workers, ${opts.rounds} round(s), node ${process.version}${opts.pin ? ', servers on CPU 0 and wrk on CPU 1' : ''}`,
  );
  const summary = [];
  try {
    for (const [label, reference, ours] of variants) {
      console.log(`${label}:`);
      const refRuns = [];
      const ourRuns = [];
      for (let round = 0; round < Number(opts.rounds); round++) {
        refRuns.push(await measure(reference[0], reference[1], reference[2]));
        ourRuns.push(await measure(ours[0], ours[1], ours[2]));
      }
      const pick = (runs) => ({
        rps: median(runs.map((r) => r.rps)),
        p99Ms: median(runs.map((r) => r.p99Ms)),
        cpu: median(runs.map((r) => r.cpuUsPerReq)),
      });
      const ref = pick(refRuns);
      const our = pick(ourRuns);
      const row = {
        variant: label,
        reference: reference[0],
        ours: ours[0],
        reference_rps: Math.round(ref.rps),
        ours_rps: Math.round(our.rps),
        reference_p99_ms: Number(ref.p99Ms.toFixed(2)),
        ours_p99_ms: Number(our.p99Ms.toFixed(2)),
        reference_cpu_us_per_req: Number(ref.cpu.toFixed(1)),
        ours_cpu_us_per_req: Number(our.cpu.toFixed(1)),
        throughput_ratio: Number((our.rps / ref.rps).toFixed(3)),
        p99_ratio: Number((our.p99Ms / ref.p99Ms).toFixed(3)),
        cpu_per_req_ratio: Number((our.cpu / ref.cpu).toFixed(3)),
      };
      summary.push(row);
      console.log(
        `  => throughput ${row.throughput_ratio}x, p99 ${row.p99_ratio}x, CPU/request ${row.cpu_per_req_ratio}x (${ours[0]} / ${reference[0]})`,
      );
    }
  } finally {
    cert?.remove();
  }
  console.log('\nvariant      throughput       p99  CPU/request');
  for (const row of summary) {
    console.log(
      `${row.variant.padEnd(12)} ${String(row.throughput_ratio).padStart(9)}x ${String(row.p99_ratio).padStart(8)}x ${String(row.cpu_per_req_ratio).padStart(11)}x`,
    );
  }
  console.log(JSON.stringify({ bench: 'http', summary }));
}

const cleanup = () => {
  for (const server of running) server.kill();
};
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});
main().catch((error) => {
  console.error(error.message);
  cleanup();
  process.exitCode = 1;
});
