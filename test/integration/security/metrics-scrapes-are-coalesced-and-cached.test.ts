/**
 * Issue 27, finding 6: every `/metrics` request made the launcher collect from every worker and
 * merge (2,000 requests cost it 2.6 s of CPU and raised `/healthz` latency to 50-150 ms), and
 * the demo served `/metrics` even with metrics off. Now concurrent scrapes share one collection,
 * its text answers for a second, and the demo's `/metrics` is a 404 unless metrics are on.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { test } from 'node:test';
import { httpGet } from '../../helpers/http.js';
import { startLauncher } from '../../helpers/launcher.js';

/** User + system CPU of `pid`, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const SCRAPES = 2000;

test('the demo serves /metrics only with metrics on', async (t) => {
  const launcher = await startLauncher(['--workers', '1']);
  t.after(() => launcher.kill());
  assert.equal((await httpGet(launcher.port, '/metrics')).status, 404);
  assert.equal((await httpGet(launcher.port, '/healthz')).status, 200);
});

test('scrapes share one collection and its text for a second; 2,000 cost the launcher little CPU', { timeout: 120_000 }, async (t) => {
  const launcher = await startLauncher(['--workers', '2', '--metrics-enabled', '--no-access-log']);
  t.after(() => launcher.kill());
  const scrape = async (): Promise<string> => {
    const response = await httpGet(launcher.port, '/metrics');
    assert.equal(response.status, 200);
    return response.body;
  };

  // Within a second, requests in between do not change what a scrape says; after it, they do.
  let cached = false;
  for (let attempt = 0; attempt < 5 && !cached; attempt++) {
    const first = await scrape();
    const since = performance.now();
    for (let i = 0; i < 5; i++) assert.equal((await httpGet(launcher.port, '/healthz')).status, 200);
    const second = await scrape();
    if (performance.now() - since > 800) continue; // too slow a machine to tell; try again
    assert.equal(second, first, 'the same text within the second');
    cached = true;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.notEqual(await scrape(), first, 'a fresh collection after it');
  }
  assert.ok(cached, 'five tries were all slower than 800 ms');

  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  t.after(() => agent.destroy());
  const before = cpuSeconds(launcher.pid);
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (sent < SCRAPES) {
      sent++;
      const response = await httpGet(launcher.port, '/metrics', { agent });
      assert.equal(response.status, 200);
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  const cpu = cpuSeconds(launcher.pid) - before;
  t.diagnostic(`launcher CPU for ${SCRAPES} scrapes: ${cpu.toFixed(2)} s`);
  assert.ok(cpu < 1, `the launcher spent ${cpu.toFixed(2)} s of CPU on ${SCRAPES} scrapes (2.6 s before the cache)`);
});
