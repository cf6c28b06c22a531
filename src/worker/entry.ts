/**
 * What a launcher's cluster worker runs (the `exec` the supervisor forks): the worker side only.
 * The manager and app modules come from the primary, so this file is the same for every app.
 *
 * The worker's own modules are compiled eagerly (V8's `--no-lazy` while they load, then lazy
 * again for everything loaded later: the manager, the app, amqplib). V8 otherwise compiles a
 * function on its first call, and a pre-forked spare makes most of its first calls when it
 * takes a dead worker's slot: parsing and compiling them was about 4 of the 10 ms of CPU the
 * spare spent from the kill to "worker ready" (perf, docs/replacement-cost.md). Compiled here,
 * that work happens while the spare loads, off the replacement's path; RSS and the start-up's
 * CPU stay within their noise.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-lazy');
let runWorker: () => void;
try {
  ({ runWorker } = await import('./worker-main.js'));
} finally {
  setFlagsFromString('--lazy');
}
runWorker();
