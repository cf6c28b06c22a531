/**
 * What a launcher's cluster worker runs (the `exec` the supervisor forks): the worker side only.
 * The manager and app modules come from the primary, so this file is the same for every app.
 */
import { runWorker } from './worker-main.js';

runWorker();
