// Runs the compiled tests with node's built-in runner: unit tests in parallel, integration
// tests (real processes, sockets, RabbitMQ, the Python oslo peer) with bounded concurrency, then
// prints one closing line "N passed, N failed, N skipped" for both.
// Before the integration tests it starts a throwaway RabbitMQ (scripts/rabbitmq.sh) unless one
// is already running or OSLO_NODE_TEST_TRANSPORT_URL names one, and stops it afterwards; the
// same for a RabbitMQ 4 broker from the Debian trixie root (scripts/rabbitmq.sh --rabbitmq4),
// whose URL the tests get in OSLO_NODE_TEST_RABBITMQ4_URL; and a throwaway PostgreSQL
// (scripts/postgres.sh) unless one runs or OSLO_NODE_TEST_DATABASE_URL names one.
// Usage: node scripts/run-tests.mjs [--node PATH] [unit|integration] [filter[,filter...]]
//   --node PATH   run the tests (and so every launcher and worker they start) on that Node binary
//                 instead of this one; scripts/run-matrix.mjs uses it for the other Node lines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../dist/test/', import.meta.url).pathname;
const args = process.argv.slice(2);
const nodeFlag = args.indexOf('--node');
const nodeBinary = nodeFlag === -1 ? process.execPath : args.splice(nodeFlag, 2)[1];
const only = args[0] === 'all' ? undefined : args[0];
const filters = args[1] ? args[1].split(',') : [];

function findTests(dir, filters) {
  let files = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return files;
  }
  for (const entry of entries.sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files = files.concat(findTests(path, filters));
    else if (entry.endsWith('.test.js') && (filters.length === 0 || filters.some((filter) => path.includes(filter)))) files.push(path);
  }
  return files;
}

const suites = [
  { name: 'unit', concurrency: availableParallelism() },
  { name: 'integration', concurrency: Number(process.env.TEST_CONCURRENCY ?? 2) },
].filter((suite) => !only || suite.name === only);

const repo = new URL('..', import.meta.url).pathname;
const rabbitmq = (flags, command) =>
  spawnSync('bash', [join(repo, 'scripts/rabbitmq.sh'), ...flags, command], {
    stdio: command === 'status' ? 'ignore' : ['ignore', command === 'stop' ? 'inherit' : 'pipe', 'inherit'],
    encoding: 'utf8',
  });
const brokers = [
  // Tests find this one's URL in .tmp/rabbitmq/url when OSLO_NODE_TEST_TRANSPORT_URL is unset.
  { name: 'RabbitMQ', flags: [], env: 'OSLO_NODE_TEST_TRANSPORT_URL', exportUrl: false },
  { name: 'RabbitMQ 4 (trixie root)', flags: ['--rabbitmq4'], env: 'OSLO_NODE_TEST_RABBITMQ4_URL', exportUrl: true },
];

/** Start the brokers this run lacks, export their URLs; returns how to stop what we started. */
function ensureBrokers() {
  const stops = [];
  for (const broker of brokers) {
    if (process.env[broker.env]) continue;
    const status = rabbitmq(broker.flags, 'status');
    const started = status.status === 0 ? undefined : rabbitmq(broker.flags, 'start');
    if (started && started.status !== 0) {
      console.error(`# could not start ${broker.name}: its tests will ${process.env.CI === 'true' ? 'fail' : 'be skipped'}`);
      continue;
    }
    if (broker.exportUrl) {
      const url = (started ?? rabbitmq(broker.flags, 'url')).stdout.trim();
      if (url) process.env[broker.env] = url;
    }
    if (started) stops.push(() => rabbitmq(broker.flags, 'stop'));
  }
  return () => {
    for (const stop of stops) stop();
  };
}

const postgres = (command) =>
  spawnSync('bash', [join(repo, 'scripts/postgres.sh'), command], { stdio: command === 'status' ? 'ignore' : 'inherit' });

/** The same for the PostgreSQL cluster of the db service-group tests. */
function ensureDatabase() {
  if (process.env.OSLO_NODE_TEST_DATABASE_URL || postgres('status').status === 0) return () => {};
  if (postgres('start').status !== 0) {
    console.error(`# could not start PostgreSQL: database tests will ${process.env.CI === 'true' ? 'fail' : 'be skipped'}`);
    return () => {};
  }
  return () => postgres('stop');
}

/**
 * The runs: this Node with every selected test; then, on a full run (no suite or filter named),
 * each other Node line of scripts/node-lines.sh with the unit tests and the integration tests of
 * MATRIX_FILTERS (the launcher, HTTP, RPC over the embedded transport and over RabbitMQ with the
 * Python peer, faults).
 * OSLO_NODE_TEST_NODE_LINES ("22 24 26" by default; empty for none) chooses the lines.
 */
const MATRIX_FILTERS = [
  'integration/launcher/',
  'integration/http/',
  'integration/rpc-cli/',
  'integration/interop/',
  'integration/faults/',
];
// The soak measures a long run's memory, the framework's and not the line's: the main run has it,
// and a short one on the other lines still grows from its warm-up (20 s gave 21.8 % on Node 24).
const MATRIX_EXCLUDE = ['soak-keeps-worker-rss'];
function otherNodeLines() {
  if (only !== undefined || filters.length > 0 || nodeFlag !== -1) return [];
  const wanted = (process.env.OSLO_NODE_TEST_NODE_LINES ?? '22 24 26').split(/\s+/).filter(Boolean);
  if (wanted.length === 0) return [];
  const found = spawnSync('bash', [join(repo, 'scripts/node-lines.sh'), ...wanted], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (found.status !== 0) {
    console.error('# could not get the other Node lines (scripts/node-lines.sh): the matrix fails');
    failedRun = true;
    return [];
  }
  return found.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [major, binary] = line.split(' ');
      return { label: `Node ${major}`, binary, filters: { unit: [], integration: MATRIX_FILTERS }, exclude: MATRIX_EXCLUDE };
    });
}

const totals = { pass: 0, fail: 0, skipped: 0, cancelled: 0 };
let failedRun = false;
const reports = mkdtempSync(join(tmpdir(), 'oslo-node-tests-'));
const runs = [
  {
    label: `Node ${process.versions.node.split('.')[0]}`,
    binary: nodeBinary,
    filters: { unit: filters, integration: filters },
    exclude: [],
  },
];
const needsServices = suites.some((suite) => suite.name === 'integration');
const stopBroker = needsServices ? ensureBrokers() : () => {};
const stopDatabase = needsServices ? ensureDatabase() : () => {};
runs.push(...otherNodeLines());
for (const [index, run] of runs.entries()) {
  if (index > 0) console.log(`\n# ---- the same suites on ${run.label} (${run.binary}) ----`);
  for (const suite of suites) {
    const files = findTests(join(root, suite.name), run.filters[suite.name]).filter(
      (file) => !run.exclude.some((name) => file.includes(name)),
    );
    if (files.length === 0) continue;
    const tap = join(reports, `${index}-${suite.name}.tap`);
    const result = spawnSync(
      run.binary,
      [
        '--test',
        `--test-concurrency=${suite.concurrency}`,
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        ...files,
      ],
      { stdio: 'inherit' },
    );
    if (result.status !== 0) {
      failedRun = true;
      console.log(`# ${suite.name} tests failed on ${run.label}`);
    }
    const text = readFileSync(tap, 'utf8');
    for (const key of Object.keys(totals)) {
      const match = new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text);
      if (match) totals[key] += Number(match[1]);
    }
  }
}
stopBroker();
stopDatabase();
const failed = totals.fail + totals.cancelled;
console.log(`${totals.pass} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(failedRun || failed > 0 ? 1 : 0);
