// Launcher lifecycle benchmark, ours and the reference (raw node:cluster) in one run:
//   - worker replacement time after kill -9 (until the replacement is ready), median of N trials
//   - SIGTERM to exit with idle keep-alive clients
//   - failed requests while reloading under load (ours: SIGHUP rolling restart; raw cluster:
//     restart every worker at once, as oslo's ProcessLauncher reload does)
// The measurements live in scripts/lib/lifecycle-bench.mjs (scripts/bench.mjs runs them against
// pm2 and oslo.service too).
// Usage: npm run build && node scripts/bench-launcher.mjs [--trials 10] [--workers 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launcherPeers } from './lib/bench-peers.mjs';
import { reloadUnderLoad, replacementTimes, sigtermTimes } from './lib/lifecycle-bench.mjs';
import { median } from './lib/proc.mjs';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '10' }, workers: { type: 'string', default: '2' } } });
const trials = Number(values.trials);
const workers = values.workers;
// The launcher refuses an embedded socket in a folder others can use (/tmp): a private one.
const dir = mkdtempSync(join(tmpdir(), 'oslo-node-bench-launcher-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const all = launcherPeers({ workers: Number(workers), pm2Home: '', embeddedSocket: join(dir, 'embedded.sock') });
// Kills 1.1 s apart, and a slot counts as healthy after 1 s: with the defaults (10 s), kills in
// quick succession measure the crash-loop backoff (and its give-up after 5), not a replacement.
const tuned = (peer) => ({ ...peer, args: [...peer.args, '--restart-reset-after', '1'] });
const peers = [tuned(all.ours), tuned(all.oursNoSpare), all.rawLifecycle];
const KILL_GAP_MS = 1100;

const rows = [];
for (const peer of peers) {
  const replaceMs = median(await replacementTimes(peer, { trials, gapMs: KILL_GAP_MS }));
  const termMs = median(await sigtermTimes(peer, { trials: Math.max(3, trials / 2), idleClients: 50 }));
  const reloadStats = await reloadUnderLoad(peer, { concurrency: 8 });
  rows.push({ name: peer.name, replaceMs, termMs, reloadStats });
  console.error(`# ${peer.name}: done`);
}
const ref = rows.find((row) => row.name === 'raw node:cluster');
console.log(`\nlauncher lifecycle, ${workers} workers, ${trials} trials, ${new Date().toISOString()}`);
console.log(
  '| variant | replacement after kill -9 (median ms) | SIGTERM to exit, 50 idle keep-alive clients (median ms) | reload under load: sent / failed |',
);
console.log('|---|---|---|---|');
for (const row of rows) {
  const ratio = (a, b) => (row === ref ? '' : ` (${(a / b).toFixed(2)}x)`);
  const errors = [...row.reloadStats.errors].map(([message, count]) => `${count}x ${message}`).join(', ');
  console.log(
    `| ${row.name} | ${row.replaceMs.toFixed(1)}${ratio(row.replaceMs, ref.replaceMs)} | ${row.termMs.toFixed(1)}${ratio(row.termMs, ref.termMs)} | ${row.reloadStats.sent} / ${row.reloadStats.failed}${errors ? ` (${errors})` : ''} |`,
  );
}
