// CPU instructions per HTTP request, ours against raw node:cluster, counted by valgrind's
// callgrind: a figure that does not move with the load of this 2-CPU machine (wall-clock req/s
// here varies by up to 20 % between rounds; this by about 1 %).
//
// Each side runs 1 worker and its whole process tree under callgrind (--trace-children), with
// counting off. A fixed-count client (scripts/lib/fixed-count-client.mjs, on CPU 1) sends
// --warmup requests so that V8 has optimized the hot paths, counting is switched on in every
// process of the tree (callgrind_control), --requests more are sent, and the counts are dumped.
// Instructions per request are printed per process and for the tree, then the ratios.
//
// What callgrind counts: user-space instructions of every thread (JIT code, V8 and its GC
// threads, libuv, OpenSSL), not the kernel's. The "worker" column is the per-request comparison.
// The "tree" column adds the launcher and the spare worker, whose counts here are not per
// request: under valgrind the window lasts ~10 s, and in it the idle launcher may run the one
// major GC V8 does some time after start-up (about 60 M instructions, 3,000 per request of a
// 20,000-request window). Natively, launcher and spare used under 0.1 µs per request.
//
// Needs valgrind (apt-get install valgrind); not part of `npm run bench`. Takes ~1 min per side.
// Variant `close` sends each request on a new connection (the launcher's accept and handoff are
// then per request too: compare the "tree" column).
// Usage: node scripts/bench-http-instructions.mjs [--variants plain,tls,close] [--warmup 100000]
//          [--requests 20000] [--connections 16] [--launcher "node dist/launcher.js"]
import { existsSync, readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { makeSelfSignedCert } from '../dist/test/helpers/certs.js';
import { processTree, startServer } from './lib/proc.mjs';

const { values: opts } = parseArgs({
  options: {
    variants: { type: 'string', default: 'plain,tls' },
    warmup: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '16' },
    launcher: { type: 'string', default: 'node dist/launcher.js' },
  },
});

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const APP = here('./lib/hello-app.mjs');
const RAW = here('./lib/raw-cluster-hello.mjs');
const CLIENT = here('./lib/fixed-count-client.mjs');
const READY_TIMEOUT_MS = 180_000;

const sendRequests = (port, count, tls, close) =>
  execa('taskset', [
    '-c',
    '1',
    process.execPath,
    CLIENT,
    '--port',
    String(port),
    '--connections',
    opts.connections,
    '--requests',
    String(count),
    ...(tls ? ['--tls'] : []),
    ...(close ? ['--close'] : []),
  ]);

/** Run `argv` under callgrind; return instructions per request for each process of its tree. */
async function countInstructions(argv, tls, close) {
  const dir = mkdtempSync(join(tmpdir(), 'oslo-node-callgrind-'));
  // valgrind's own messages go to files; stdout carries the readiness line.
  const server = startServer('taskset', [
    '-c',
    '0',
    'valgrind',
    '--tool=callgrind',
    '--trace-children=yes',
    '--instr-atstart=no',
    `--callgrind-out-file=${dir}/cg.%p`,
    `--log-file=${dir}/valgrind.%p.log`,
    ...argv,
  ]);
  try {
    const exitedEarly = server.exited.then(({ code, signal }) => {
      throw new Error(`server exited (${code ?? signal}) before it was ready`);
    });
    exitedEarly.catch(() => {}); // it exits at the end too, once nobody waits on this
    const { port } = await Promise.race([
      server.waitFor((line) => line.msg === 'launcher ready', READY_TIMEOUT_MS, 'launcher ready'),
      exitedEarly,
    ]);
    await sendRequests(port, Number(opts.warmup), tls, close);
    const pids = processTree(server.child.pid);
    const control = (flag, pid) => execa('callgrind_control', [flag, String(pid)], { reject: false });
    for (const pid of pids) await control('--instr=on', pid);
    await sendRequests(port, Number(opts.requests), tls, close);
    for (const pid of pids) await control('--instr=off', pid);
    for (const pid of pids) await control('--dump', pid);
    return pids.map((pid, index) => {
      const dump = readdirSync(dir).find((name) => name.startsWith(`cg.${pid}.`));
      const totals = dump ? /^totals:\s+(\d+)/m.exec(readFileSync(join(dir, dump), 'utf8')) : null;
      return { pid, role: index === 0 ? 'launcher' : 'child', perRequest: totals ? Number(totals[1]) / Number(opts.requests) : 0 };
    });
  } finally {
    const tree = processTree(server.child.pid);
    server.child.kill('SIGTERM');
    const stopped = await Promise.race([
      server.exited.then(() => true),
      new Promise((resolve) => setTimeout(resolve, 20_000, false).unref()),
    ]);
    if (!stopped)
      for (const pid of tree.reverse())
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The busiest child is the worker that served; the rest (launcher, spare) are summed apart. */
function summarize(name, processes) {
  const children = processes.filter((p) => p.role === 'child').sort((a, b) => b.perRequest - a.perRequest);
  const worker = children[0]?.perRequest ?? 0;
  const tree = processes.reduce((sum, p) => sum + p.perRequest, 0);
  console.log(
    `  ${name.padEnd(26)} worker ${Math.round(worker).toLocaleString('en').padStart(7)} instr/req   tree ${Math.round(tree).toLocaleString('en').padStart(7)}   (${processes.map((p) => `${p.role} ${Math.round(p.perRequest)}`).join(', ')})`,
  );
  return { worker, tree };
}

async function main() {
  for (const tool of ['valgrind', 'callgrind_control', 'taskset']) {
    if (!process.env.PATH.split(':').some((dir) => existsSync(join(dir, tool)))) {
      throw new Error(`${tool} not found: sudo bash scripts/system-deps.sh --bench installs valgrind`);
    }
  }
  const launcher = opts.launcher.split(' ').filter(Boolean);
  const cert = opts.variants.includes('tls') ? makeSelfSignedCert('oslo-node-bench-') : undefined;
  const results = [];
  try {
    for (const variant of opts.variants.split(',')) {
      const tls = variant === 'tls';
      // `close`: a new connection per request, so the launcher's accept and handoff are counted too.
      const close = variant === 'close';
      const rawArgv = [
        process.execPath,
        RAW,
        '--workers',
        '1',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        ...(tls ? ['--cert', cert.cert, '--key', cert.key] : []),
      ];
      const oursArgv = [
        ...launcher,
        '--workers',
        '1',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--app',
        APP,
        '--no-periodic-enable',
        '--no-access-log',
        ...(tls ? ['--ssl-cert-file', cert.cert, '--ssl-key-file', cert.key] : []),
      ];
      console.log(
        `${variant}: ${opts.warmup} warm-up requests, then ${opts.requests} counted, ${close ? `a new connection per request, ${opts.connections} at a time` : `${opts.connections} keep-alive connections`}`,
      );
      const raw = summarize('raw node:cluster', await countInstructions(rawArgv, tls, close));
      const ours = summarize('ours --no-access-log', await countInstructions(oursArgv, tls, close));
      const row = {
        variant,
        raw_worker: Math.round(raw.worker),
        ours_worker: Math.round(ours.worker),
        worker_ratio: +(ours.worker / raw.worker).toFixed(3),
        raw_tree: Math.round(raw.tree),
        ours_tree: Math.round(ours.tree),
        tree_ratio: +(ours.tree / raw.tree).toFixed(3),
      };
      console.log(`  => instructions per request, ours / raw: worker ${row.worker_ratio}x, tree ${row.tree_ratio}x\n`);
      results.push(row);
    }
  } finally {
    cert?.remove();
  }
  console.log(JSON.stringify({ bench: 'http-instructions', results }));
}

await main();
