// A closed-loop latency measurement shared by the RPC benchmark clients: `concurrency` callers
// each issue `call()` back to back until `seconds` have passed. Returns the JSON line's fields
// (cpu_ms: this process's CPU time over the loop). `announce` prints LOOP_START_LINE on stdout
// as the loop begins, so that scripts/lib/rpc-pair.mjs can read the other processes' CPU time
// over exactly the loop.
// The same loop runs unmeasured for `warmupSeconds` first (WARMUP_SECONDS), as wrk's warm-up
// does for the HTTP benchmark: long enough for V8 to optimize both sides' hot paths. Without it
// a 3 s cell at c=1 measures tier-up too (TurboFan still compiles in the fourth second), and the
// side with more code pays more of it; a server that runs for days sees the steady state.
export const LOOP_START_LINE = '{"loop":"start"}';
/**
 * Unmeasured seconds of the same loop before the measured one (also the Python client's).
 * OSLO_NODE_BENCH_WARMUP_SECONDS sets another (a longer one shows the steady state on a busy
 * machine, where 2 s at a few hundred calls/s leave V8 still compiling in the measured loop).
 */
export const WARMUP_SECONDS = Number(process.env.OSLO_NODE_BENCH_WARMUP_SECONDS ?? '2');

export async function closedLoop(call, { concurrency, seconds, announce = false, warmupSeconds = WARMUP_SECONDS }) {
  if (warmupSeconds > 0) await closedLoop(call, { concurrency, seconds: warmupSeconds, warmupSeconds: 0 });
  if (announce) process.stdout.write(`${LOOP_START_LINE}\n`);
  const latencies = [];
  let errors = 0;
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = began + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        try {
          await call();
          latencies.push(performance.now() - started);
        } catch {
          errors++;
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] : null);
  return {
    calls: latencies.length,
    errors,
    seconds: (performance.now() - began) / 1000,
    p50_ms: pct(0.5),
    p99_ms: pct(0.99),
    cpu_ms: (cpu.user + cpu.system) / 1000,
  };
}
