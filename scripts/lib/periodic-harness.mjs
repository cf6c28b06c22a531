// Single-process harness for scripts/bench-periodic.mjs: an HTTP server answering "ok" plus a
// PeriodicScheduler running the demo's digest task every --spacing seconds, in one of three modes:
//   idle       no periodic task
//   offloaded  digest runs in the TaskPool (a piscina thread)
//   inline     the same digest function runs on the event loop
// Prints {"port":N} once listening; on SIGTERM prints {"runs":..,"meanMs":..} and exits.
// Usage: node scripts/lib/periodic-harness.mjs --mode offloaded [--mebibytes 256] [--spacing 1]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import digest from '../../dist/pool-tasks/digest.js';
import { registerPeriodicTask, collectPeriodicTasks } from '../../dist/src/periodic/periodic-task.js';
import { TaskPool } from '../../dist/src/periodic/pool.js';
import { PeriodicScheduler } from '../../dist/src/periodic/scheduler.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'offloaded' },
    mebibytes: { type: 'string', default: '256' },
    spacing: { type: 'string', default: '1' },
  },
});
const mode = values.mode;
if (!['idle', 'offloaded', 'inline'].includes(mode)) throw new Error(`--mode must be idle, offloaded or inline, not ${mode}`);
const input = { mebibytes: Number(values.mebibytes) };

class BenchManager {
  durations = [];

  async digest({ offload }) {
    const result = mode === 'offloaded' ? await offload(input) : digest(input);
    this.durations.push(result.ms);
  }
}
registerPeriodicTask(BenchManager, 'digest', { spacingSeconds: Number(values.spacing), runImmediately: true, pool: 'digest' });

const manager = new BenchManager();
const pool = new TaskPool({ threads: 1 });
const scheduler = new PeriodicScheduler({
  config: { periodic_enable: mode !== 'idle', periodic_fuzzy_delay: 0, periodic_interval_max: 60 },
  tasks: collectPeriodicTasks(manager),
  pool,
});

const server = createServer((_req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('ok\n');
});
server.listen(0, '127.0.0.1', () => {
  scheduler.start();
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

process.once('SIGTERM', async () => {
  await scheduler.stop(10_000).catch(() => undefined);
  await pool.close();
  server.closeAllConnections();
  server.close();
  const { durations } = manager;
  const meanMs = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : 0;
  const [row] = scheduler.stats();
  process.stdout.write(`${JSON.stringify({ runs: durations.length, meanMs, skippedOverlaps: row?.skippedOverlaps ?? 0 })}\n`);
});
