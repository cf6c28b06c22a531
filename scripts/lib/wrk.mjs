// Run wrk (Debian's /usr/bin/wrk) against a URL and parse its --latency report.
import { spawn } from 'node:child_process';

const UNITS = { us: 0.001, ms: 1, s: 1000 };

/**
 * `wrk -t<threads> -c<connections> -d<seconds>s --latency [-H header]... URL`; resolves with
 * { requests, rps, p50Ms, p99Ms, non2xx, socketErrors }, rejects when wrk fails or prints no
 * figures. `cpu` (a taskset CPU list) pins wrk to those CPUs; `headers` are request header lines
 * (`['Connection: close']`: a new connection per request).
 */
export function runWrk(url, { seconds, threads = 2, connections = 64, wrk = '/usr/bin/wrk', cpu, headers = [] }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', ...headers.flatMap((header) => ['-H', header]), url];
  const command = cpu === undefined ? [wrk, ...args] : ['taskset', '-c', cpu, wrk, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const latency = (pct) => {
        const match = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
        return match ? Number(match[1]) * UNITS[match[2]] : NaN;
      };
      if (code !== 0 || !rps) {
        reject(new Error(`wrk failed (code ${code}): ${out.slice(-500)}`));
        return;
      }
      const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
      const requests = /(\d+) requests in/.exec(out);
      resolve({
        requests: Number(requests?.[1] ?? 0),
        rps: Number(rps[1]),
        p50Ms: latency(50),
        p99Ms: latency(99),
        non2xx: non2xx ? Number(non2xx[1]) : 0,
        socketErrors: /Socket errors:.*/.exec(out)?.[0],
      });
    });
  });
}
