// Worker replacement after kill -9 only, oslo.service's ProcessLauncher against ours, back to
// back: the quick check behind BENCHMARKS.md's replacement section (npm run bench runs the full
// lifecycle table). Prints the median and every trial, in ms from the kill to "worker ready".
// Usage: npm run build && node scripts/bench-replacement.mjs [--trials 10] [--workers 2]
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launcherPeers } from './lib/bench-peers.mjs';
import { replacementTimes } from './lib/lifecycle-bench.mjs';
import { median } from './lib/proc.mjs';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '10' }, workers: { type: 'string', default: '2' } } });
const all = launcherPeers({ workers: Number(values.workers), pm2Home: '', embeddedSocket: join(tmpdir(), `oslo-node-bench-${process.pid}.sock`) });
// As in bench.mjs: kills 1.1 s apart, and a slot healthy again after 1 s (not a crash loop).
const ours = { ...all.ours, args: [...all.ours.args, '--restart-reset-after', '1'] };
for (const peer of [all.oslo, ours]) {
  const times = await replacementTimes(peer, { trials: Number(values.trials), gapMs: 1100 });
  console.log(`${peer.name}: median ${median(times).toFixed(1)} ms; trials ${times.map((t) => t.toFixed(1)).join(' ')}`);
}
