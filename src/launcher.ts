/**
 * The CLI entry (`node dist/launcher.js`) and the one place that wires the demo in: the launcher
 * runs the demo's manager and app unless `--manager` / `--app` name others. The framework itself
 * knows nothing of the demo; workers run src/worker/entry.ts and load these modules by path.
 */
import { fileURLToPath } from 'node:url';
import { runPrimary } from './launch/primary-main.js';

const demo = (file: string): string => fileURLToPath(new URL(`./demo/${file}`, import.meta.url));

await runPrimary(process.argv.slice(2), { manager: demo('manager.js'), app: demo('app.js') });
