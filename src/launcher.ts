/**
 * The CLI entry (`node dist/launcher.js`): the primary supervises, a cluster worker serves.
 * Like node's own lib/cluster.js, it only picks the side; each lives in its own module.
 */
import cluster from 'node:cluster';

if (cluster.isPrimary) {
  const { runPrimary } = await import('./supervisor/primary-main.js');
  await runPrimary(process.argv.slice(2));
} else {
  const { runWorker } = await import('./service/worker-main.js');
  runWorker();
}
