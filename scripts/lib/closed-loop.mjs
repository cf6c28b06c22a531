// A closed-loop latency measurement shared by the RPC benchmark clients: `concurrency` callers
// each issue `call()` back to back until `seconds` have passed. Returns the JSON line's fields
// (cpu_ms: this process's CPU time over the loop). `announce` prints LOOP_START_LINE on stdout
// as the loop begins, so that scripts/lib/rpc-pair.mjs can read the other processes' CPU time
// over exactly the loop.
export const LOOP_START_LINE = '{"loop":"start"}';

export async function closedLoop(call, { concurrency, seconds, announce = false }) {
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
  return { calls: latencies.length, errors, seconds: (performance.now() - began) / 1000, p50_ms: pct(0.5), p99_ms: pct(0.99), cpu_ms: (cpu.user + cpu.system) / 1000 };
}
