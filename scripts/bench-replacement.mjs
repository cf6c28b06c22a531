// Worker replacement after kill -9 only: oslo.service's ProcessLauncher, ours and raw
// node:cluster running side by side, one kill of each in turn per round (interleaved, so a busy
// moment of a shared machine hits every peer alike): the quick check behind BENCHMARKS.md's
// replacement row (npm run bench runs the full lifecycle table). Prints each peer's median,
// its ratio to oslo's, and every trial, in ms from the kill to "worker ready"; the CPU ms its
// processes spent meanwhile and how long they waited for a CPU (lifecycle-bench.mjs); and the
// load average before and after.
// Usage: npm run build && node scripts/bench-replacement.mjs [--trials 20] [--workers 2] [--baseline DIR]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launcherPeers } from './lib/bench-peers.mjs';
import { interleavedReplacementTimes } from './lib/lifecycle-bench.mjs';
import { median } from './lib/proc.mjs';

const { values } = parseArgs({
  options: { trials: { type: 'string', default: '20' }, workers: { type: 'string', default: '2' }, baseline: { type: 'string' } },
});
// The launcher refuses an embedded socket in a folder others can use (/tmp): a private one.
const dir = mkdtempSync(join(tmpdir(), 'oslo-node-bench-replacement-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const all = launcherPeers({ workers: Number(values.workers), pm2Home: '', embeddedSocket: join(dir, 'embedded.sock') });
// As in bench.mjs: kills 1.1 s apart, and a slot healthy again after 1 s (not a crash loop).
const ours = { ...all.ours, args: [...all.ours.args, '--restart-reset-after', '1'] };
// --baseline DIR: another built checkout (say, main before a change) as one more peer.
const baseline = values.baseline && {
  ...ours,
  name: `ours at ${values.baseline}`,
  args: ours.args.map((arg) => (arg === ours.args[0] ? resolve(values.baseline, 'dist/launcher.js') : arg)),
  env: { OSLO_NODE_EMBEDDED_SOCKET: join(dir, 'baseline.sock') },
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadBefore = load();
const peers = [all.oslo, ours, ...(baseline ? [baseline] : []), all.rawLifecycle];
const times = await interleavedReplacementTimes(peers, { trials: Number(values.trials), gapMs: 1100 });
const osloMedian = median(times.get(all.oslo.name));
console.log(
  `replacement after kill -9, ${values.workers} workers, ${values.trials} interleaved rounds, ${new Date().toISOString()}; load average ${loadBefore} before, ${load()} after`,
);
const osloCpu = median(times.cpu.get(all.oslo.name).map((c) => c.onCpu));
for (const [name, list] of times) {
  const m = median(list);
  const cpu = median(times.cpu.get(name).map((c) => c.onCpu));
  const waiting = median(times.cpu.get(name).map((c) => c.waiting));
  console.log(
    `${name}: median ${m.toFixed(1)} ms (${(m / osloMedian).toFixed(2)}x oslo); CPU ${cpu.toFixed(2)} ms (${(cpu / osloCpu).toFixed(2)}x oslo), waited ${waiting.toFixed(1)} ms for a CPU; trials ${list.map((t) => t.toFixed(1)).join(' ')}`,
  );
}
