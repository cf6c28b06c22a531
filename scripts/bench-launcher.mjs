// Launcher lifecycle benchmark, ours and the reference (raw node:cluster) in one run:
//   - worker replacement time after kill -9 (until the replacement is ready), median of N trials
//   - SIGTERM to exit with idle keep-alive clients
//   - failed requests while reloading under load (ours: SIGHUP rolling restart; raw cluster:
//     restart every worker at once, as oslo's ProcessLauncher reload does)
// Usage: npm run build && node scripts/bench-launcher.mjs [--trials 10] [--workers 2]
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { get, loadLoop, median, sleep, startServer } from './lib/proc.mjs';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '10' }, workers: { type: 'string', default: '2' } } });
const trials = Number(values.trials);
const workers = values.workers;
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const hello = here('./lib/hello-app.mjs');

const variants = {
  ours: ['node', [here('../dist/launcher.js'), '--workers', workers, '--host', '127.0.0.1', '--port', '0', '--app', hello, '--no-access-log', '--periodic-enable=false']],
  'ours, no spare': ['node', [here('../dist/launcher.js'), '--workers', workers, '--host', '127.0.0.1', '--port', '0', '--app', hello, '--no-access-log', '--periodic-enable=false', '--no-prefork-spare']],
  'raw node:cluster': ['node', [here('./lib/raw-cluster-lifecycle.mjs'), '--workers', workers]],
};
const usesSpare = (name) => name === 'ours';

async function started(name) {
  const [command, args] = variants[name];
  const server = startServer(command, args, { env: { OSLO_NODE_EMBEDDED_SOCKET: `/tmp/oslo-node-bench-${process.pid}.sock` } });
  const ready = await server.waitFor((line) => line.msg === 'launcher ready', 30_000, 'launcher ready');
  if (usesSpare(name)) await server.waitFor((line) => line.msg === 'spare worker loaded and waiting', 30_000, 'spare');
  return { server, port: ready.port, pids: new Set(ready.pids) };
}

async function replacement(name) {
  const { server, pids } = await started(name);
  const times = [];
  try {
    for (let i = 0; i < trials; i++) {
      const victim = [...pids][0];
      const from = server.lines.length;
      const killedAt = performance.now();
      process.kill(victim, 'SIGKILL');
      const ready = await server.waitFor((line) => line.msg === 'worker ready' && !pids.has(line.workerPid), 30_000, 'replacement', from);
      times.push(ready.at - killedAt);
      pids.delete(victim);
      pids.add(ready.workerPid);
      if (usesSpare(name)) await server.waitFor((line) => line.msg === 'spare worker loaded and waiting', 30_000, 'spare', from);
      await sleep(200);
    }
  } finally {
    server.kill();
  }
  return median(times);
}

async function sigterm(name) {
  const times = [];
  for (let i = 0; i < Math.max(3, trials / 2); i++) {
    const { server, port } = await started(name);
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    await Promise.all(Array.from({ length: 50 }, () => get(port, '/', agent)));
    const sentAt = performance.now();
    server.child.kill('SIGTERM');
    const exit = await Promise.race([server.exited, sleep(10_000).then(() => ({ at: NaN }))]);
    times.push(exit.at - sentAt);
    agent.destroy();
    server.kill();
  }
  return median(times);
}

async function reload(name) {
  const { server, port } = await started(name);
  const load = loadLoop(port, '/', { concurrency: 8 });
  await sleep(1000);
  const from = server.lines.length;
  server.child.kill('SIGHUP');
  if (name.startsWith('ours')) await server.waitFor((line) => line.msg === 'rolling restart complete', 30_000, 'reload', from);
  else await sleep(1500);
  await sleep(1000);
  const stats = await load.stop();
  server.kill();
  return stats;
}

const rows = [];
for (const name of Object.keys(variants)) {
  const replaceMs = await replacement(name);
  const termMs = await sigterm(name);
  const reloadStats = await reload(name);
  rows.push({ name, replaceMs, termMs, reloadStats });
  console.error(`# ${name}: done`);
}
const ref = rows.find((row) => row.name === 'raw node:cluster');
console.log(`\nlauncher lifecycle, ${workers} workers, ${trials} trials, ${new Date().toISOString()}`);
console.log('| variant | replacement after kill -9 (median ms) | SIGTERM to exit, 50 idle keep-alive clients (median ms) | reload under load: sent / failed |');
console.log('|---|---|---|---|');
for (const row of rows) {
  const ratio = (a, b) => (row === ref ? '' : ` (${(a / b).toFixed(2)}x)`);
  const errors = [...row.reloadStats.errors].map(([message, count]) => `${count}x ${message}`).join(', ');
  console.log(`| ${row.name} | ${row.replaceMs.toFixed(1)}${ratio(row.replaceMs, ref.replaceMs)} | ${row.termMs.toFixed(1)}${ratio(row.termMs, ref.termMs)} | ${row.reloadStats.sent} / ${row.reloadStats.failed}${errors ? ` (${errors})` : ''} |`);
}
