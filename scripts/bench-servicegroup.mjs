#!/usr/bin/env node
// The service group at scale, by simulation: many simulated hosts in a few processes
// (scripts/lib/servicegroup-sim.mjs), each with its own connection and report timer, running the
// real drivers against the real broker (scripts/rabbitmq.sh) and a real PostgreSQL (a durable
// throwaway cluster of scripts/postgres.sh). Per row: messages published and delivered per second
// (counted at the members), the broker's and the database's CPU, database queries per second,
// the members' own CPU and memory per member, and (at the compressed interval) the time from a
// host's death to its being seen down. Then the old per-worker fanout against per-host reports,
// and the crossover where the db driver becomes the cheaper one.
//
//   npm run build && node scripts/bench-servicegroup.mjs [--plan full|quick] [--procs 2]
//   node scripts/bench-servicegroup.mjs --summarize FILE   (the table again from a run's stderr)
//
// Plan `full`: report_interval 10 s (nova's default) for messaging at 10/100/300 hosts and db at
// 10/100/300/1000; the compressed interval (1 s, service_down_time 3 s) for messaging at 10/100
// and db at 10/100/300/1000 with down-detection; old (4 workers a host, each a member) against
// per-host at 10 and 25 hosts. Messaging at 1,000 hosts is not run (10 s: 100,000 deliveries/s,
// past this 2-core machine): the table extrapolates it from the fitted hosts² curve, marked so.
import { fork, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { broker, cpuMs } from './lib/rpc-pair.mjs';

const { values } = parseArgs({
  options: { plan: { type: 'string', default: 'full' }, procs: { type: 'string', default: '2' }, summarize: { type: 'string' } },
});
const procs = Number(values.procs);
if (!existsSync(new URL('../dist/src/servicegroup/host-reporter.js', import.meta.url))) throw new Error('build first: npm run build');
const at = (path) => new URL(path, import.meta.url).pathname;

const COMPRESSED = { interval: 1, downTime: 3 };
const NOVA = { interval: 10, downTime: 60 };
const plans = {
  full: [
    ...[10, 100, 300].map((hosts) => ({ driver: 'messaging', hosts, ...NOVA })),
    ...[10, 100, 300, 1000].map((hosts) => ({ driver: 'db', hosts, ...NOVA })),
    ...[10, 100].map((hosts) => ({ driver: 'messaging', hosts, ...COMPRESSED, kill: true })),
    ...[10, 100, 300, 1000].map((hosts) => ({ driver: 'db', hosts, ...COMPRESSED, kill: true })),
    ...[10, 25].flatMap((hosts) =>
      [4, 1].map((workersPerHost) => ({ driver: 'messaging', hosts, workersPerHost, ...COMPRESSED, scheme: true })),
    ),
  ],
  'messaging-down': [10, 100].map((hosts) => ({ driver: 'messaging', hosts, ...COMPRESSED, kill: true })),
  quick: [
    { driver: 'messaging', hosts: 10, ...COMPRESSED, kill: true },
    { driver: 'db', hosts: 100, ...COMPRESSED, kill: true },
    ...[4, 1].map((workersPerHost) => ({ driver: 'messaging', hosts: 10, workersPerHost, ...COMPRESSED, scheme: true })),
  ],
};
const plan = plans[values.plan];
if (!plan) throw new Error(`--plan full|quick`);

/** A durable PostgreSQL of its own, with room for one connection per simulated host. */
function database() {
  const env = {
    ...process.env,
    OSLO_NODE_POSTGRES_DIR: at('../.tmp/postgres-bench'),
    OSLO_NODE_POSTGRES_MAX_CONNECTIONS: '1300',
    OSLO_NODE_POSTGRES_DURABLE: '1',
  };
  const run = (command) =>
    spawnSync('bash', [at('./postgres.sh'), command], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 });
  const started = run('start');
  if (started.status !== 0) throw new Error('scripts/postgres.sh start failed');
  const state = Object.fromEntries(
    readFileSync(at('../.tmp/postgres-bench/env'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split('=')),
  );
  const postmaster = Number(readFileSync(`${state.PG_DATA}/postmaster.pid`, 'utf8').split('\n')[0]);
  return { url: started.stdout.trim().split('\n').pop(), postmaster, stop: () => run('stop') };
}

/**
 * CPU ms of `pid`, all its threads, from /proc/PID/task/TID/schedstat (nanoseconds on the CPU):
 * exact, where /proc/PID/stat counts 10 ms ticks, which miss a backend that runs 50 µs a second.
 */
function preciseCpuMs(pid) {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`))
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return cpuMs(pid);
  }
}

/** CPU ms of the postmaster and every backend it runs now. */
function postgresCpuMs(postmaster) {
  let total = preciseCpuMs(postmaster) ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      if (Number(fields[1]) === postmaster) total += preciseCpuMs(entry) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** CPU ms of the broker (its beam process, all its threads). */
function brokerCpuMs(pid) {
  return pid === undefined ? undefined : preciseCpuMs(pid);
}

function child() {
  const proc = fork(at('./lib/servicegroup-sim.mjs'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue = [];
  proc.on('message', (message) => queue.shift()?.(message));
  const ready = new Promise((resolve) => queue.push(resolve));
  const ask = (message) =>
    new Promise((resolve, reject) => {
      queue.push((answer) => (answer.error ? reject(new Error(answer.error)) : resolve(answer)));
      proc.send(message);
    });
  return { ready, ask, proc };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(row, services) {
  const workersPerHost = row.workersPerHost ?? 1;
  const members = row.hosts * workersPerHost;
  const db = row.driver === 'db' ? services.db() : undefined;
  const mq = row.driver === 'messaging' ? services.mq() : undefined;
  let client;
  if (db) {
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('DROP TABLE IF EXISTS services');
  }
  // With down-detection, host 0 (the one killed) runs in a process of its own, as a real
  // launcher does: a member sharing a process with hundreds of others reports late.
  const victim = row.kill ? child() : undefined;
  const first = victim ? workersPerHost : 0;
  const children = Array.from({ length: Math.min(procs, members - first) }, child);
  await Promise.all([...children, ...(victim ? [victim] : [])].map((c) => c.ready));
  const per = Math.ceil((members - first) / children.length);
  const common = {
    driver: row.driver,
    interval: row.interval,
    downTime: row.downTime,
    url: mq?.url,
    connection: db?.url,
    exchange: `sgbench_${Date.now()}`,
    workersPerHost,
  };
  const groups = [
    ...(victim ? [{ c: victim, first: 0, count: first }] : []),
    ...children.map((c, i) => ({ c, first: first + i * per, count: Math.max(0, Math.min(per, members - first - i * per)) })),
  ];
  const starts = await Promise.all(groups.map(({ c, first: from, count }) => c.ask({ cmd: 'start', first: from, count, ...common })));
  const all = groups.map(({ c }) => c);
  // The down-detection watcher is one more host in a process of its own, as a real launcher is:
  // a member sharing a process with hundreds of others would read the table late.
  const watcher = row.kill ? child() : undefined;
  if (watcher) {
    await watcher.ready;
    await watcher.ask({ cmd: 'start', first: members * 10, count: 1, ...common, workersPerHost: 1 });
  }
  // Steady state: every member has made its first (spread) report, then one more interval.
  await sleep(row.interval * 2000 + 1000);
  const sample = async () => ({
    at: performance.now(),
    stats: await Promise.all(all.map((c) => c.ask({ cmd: 'stats' }))),
    broker: mq ? brokerCpuMs(mq.pid) : undefined,
    db: db ? postgresCpuMs(db.postmaster) : undefined,
    xacts: db
      ? Number((await client.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0].xact_commit)
      : undefined,
  });
  const before = await sample();
  await sleep(Math.max(5, row.interval * 2) * 1000);
  const after = await sample();
  const seconds = (after.at - before.at) / 1000;
  const sum = (s, key) => s.stats.reduce((total, one) => total + one[key], 0);
  const result = {
    ...row,
    workersPerHost,
    members,
    seconds,
    published: (sum(after, 'published') - sum(before, 'published')) / seconds,
    delivered: (sum(after, 'delivered') - sum(before, 'delivered')) / seconds,
    brokerCpu: mq?.pid ? (after.broker - before.broker) / seconds / 10 : undefined,
    dbCpu: db ? (after.db - before.db) / seconds / 10 : undefined,
    // Minus the two statements of each sample.
    qps: db ? (after.xacts - before.xacts - 2) / seconds : undefined,
    membersCpu: (sum(after, 'cpuMs') - sum(before, 'cpuMs')) / seconds / 10,
    kibPerMember: (sum(after, 'rss') - starts.reduce((total, s) => total + s.rssBefore, 0)) / members / 1024,
  };
  if (row.kill) {
    // Host 0 dies (all its members); the watcher polls its table every 100 ms until it reads down.
    const { lastConfirmedAt } = await victim.ask({ cmd: 'stats' });
    // How long before the kill the broker last confirmed one of the killed host's publishes.
    result.lastConfirmedAgo = (Date.now() - lastConfirmedAt) / 1000;
    for (let index = 0; index < workersPerHost; index++) await victim.ask({ cmd: 'kill', index });
    const watched = await watcher.ask({ cmd: 'watch', host: 'sim-0', observer: members * 10, pollMs: 100 });
    result.downAfter = watched.ms / 1000;
    // Live hosts the watcher already read down: its view lags past service_down_time.
    result.liveReadDown = watched.downAtStart;
    // How old the watcher's last report of the killed host was when the watch began.
    result.lastSeenAgo = watched.lastSeenAgoMs / 1000;
  }
  await Promise.all(
    [...all, ...(watcher ? [watcher] : [])].map(
      (c) => new Promise((resolve) => (c.proc.once('exit', resolve), c.proc.send({ cmd: 'stop' }))),
    ),
  );
  await client?.end();
  return result;
}

const fmt = (value, digits = 0) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));
let results = [];
if (values.summarize) {
  // Each finished row was printed to stderr as `# {json}`.
  results = readFileSync(values.summarize, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('# {'))
    .map((line) => JSON.parse(line.slice(2)));
} else {
  let mq;
  let db;
  const services = { mq: () => (mq ??= broker()), db: () => (db ??= database()) };
  try {
    for (const row of plan) {
      const result = await run(row, services);
      results.push(result);
      console.error(`# ${JSON.stringify(result)}`);
    }
  } finally {
    mq?.stop();
    db?.stop();
  }
}

console.log(
  "| driver | scheme | hosts | members | interval s | published/s | delivered/s (members²/interval) | broker CPU % | db CPU % | db queries/s | members' CPU % | KiB/member | killed host seen down after s |",
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const theory = r.driver === 'messaging' ? ` (${fmt((r.members * r.members) / r.interval)})` : '';
  const scheme = r.workersPerHost > 1 ? `per worker (${r.workersPerHost}/host, old)` : 'per host';
  console.log(
    `| ${r.driver} | ${scheme} | ${r.hosts} | ${r.members} | ${r.interval} | ${fmt(r.published, 1)} | ${fmt(r.delivered)}${theory} | ${fmt(r.brokerCpu, 1)} | ${fmt(r.dbCpu, 1)} | ${fmt(r.qps, 1)} | ${fmt(r.membersCpu, 1)} | ${fmt(r.kibPerMember)} | ${r.downAfter === undefined ? '–' : `${fmt(r.downAfter, 1)} (down time ${r.downTime})${r.liveReadDown ? `; ${r.liveReadDown} live hosts read down too` : ''}`} |`,
  );
}

// Old against new at the same hosts: deliveries and broker CPU.
for (const hosts of new Set(results.filter((r) => r.scheme).map((r) => r.hosts))) {
  const old = results.find((r) => r.scheme && r.hosts === hosts && r.workersPerHost > 1);
  const now = results.find((r) => r.scheme && r.hosts === hosts && r.workersPerHost === 1);
  if (old && now)
    console.log(
      `\nper-worker / per-host at ${hosts} hosts x ${old.workersPerHost} workers: deliveries ${fmt(old.delivered / now.delivered, 1)}x, broker CPU ${fmt(old.brokerCpu / now.brokerCpu, 1)}x, members' CPU ${fmt(old.membersCpu / now.membersCpu, 1)}x`,
    );
}

// Crossover at nova's interval. Messaging: the broker's CPU per delivery (measured where the
// simulated members kept up best) times the hosts²/interval deliveries; db: the database's CPU per
// host, from the largest run. Where the simulation published fewer reports than due (a loaded
// machine), the per-delivery cost still holds; the row says how many it managed.
const atNova = (driver) => results.filter((r) => r.driver === driver && r.interval === NOVA.interval && r.workersPerHost === 1);
const m = atNova('messaging')
  .filter((r) => r.brokerCpu > 0 && r.delivered > 0)
  .sort((x, y) => y.hosts - x.hosts)[0];
const d = atNova('db')
  .filter((r) => r.dbCpu > 0)
  .sort((x, y) => y.hosts - x.hosts)[0];
if (m && d) {
  const perDelivery = m.brokerCpu / m.delivered;
  const messagingCpu = (hosts) => (perDelivery * hosts * hosts) / NOVA.interval;
  const perHost = d.dbCpu / d.hosts;
  console.log(
    `\nat report_interval ${NOVA.interval} s: broker CPU ${perDelivery.toExponential(2)} % per delivery/s (from ${m.hosts} hosts: ${fmt(m.delivered)} deliveries/s of ${fmt((m.hosts * m.hosts) / m.interval)} due), database CPU ${perHost.toExponential(2)} % per host (from ${d.hosts} hosts)`,
  );
  for (const hosts of [10, 100, 300, 1000])
    console.log(
      `  ${hosts} hosts: messaging ≈ ${fmt(messagingCpu(hosts), 1)} % broker CPU (${fmt((hosts * hosts) / NOVA.interval)} deliveries/s), db ≈ ${fmt(perHost * hosts, 1)} % database CPU (${fmt(hosts / NOVA.interval)} UPDATE/s)`,
    );
  console.log(`crossover (equal CPU): ${fmt((perHost * NOVA.interval) / perDelivery)} hosts`);
}
