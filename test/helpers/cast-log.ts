/**
 * The cast recorder of the fault tests: CastLogManager (test/fixtures/managers/cast-log-manager.ts)
 * appends "<pid> <value>" to the file CAST_LOG names for every `record` cast a worker handles;
 * this makes that file (in a temp folder removed after the test) and reads it back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { DEMO_APP, fixturePath } from './launcher.js';
import { until } from './wait.js';

/** Launcher flags for the recording service: CastLogManager on the demo's topic, with the demo's app. */
export const CAST_LOG_SERVICE_FLAGS: readonly string[] = [
  '--manager',
  fixturePath('managers/cast-log-manager.js'),
  '--binary',
  'demo',
  '--app',
  DEMO_APP,
];

export interface CastLog {
  /** `{ CAST_LOG: … }`, for the launcher's environment. */
  readonly env: { readonly CAST_LOG: string };
  /** The lines "<pid> <value>", one per handling. */
  lines(): string[];
  /** The value of every handled cast, once per handling. */
  handled(): string[];
  /** How often each value was handled. */
  counts(): Map<string, number>;
  /** Resolves once every one of `confirmed` was handled; rejects after `timeoutMs` naming the missing ones. */
  waitForAll(confirmed: Iterable<number>, timeoutMs?: number): Promise<void>;
}

export function castLog(t: TestContext, prefix = 'oslo-node-casts-'): CastLog {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'casts.log');
  const lines = (): string[] => {
    try {
      return readFileSync(path, 'utf8').split('\n').filter(Boolean);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // no cast handled yet
      throw error;
    }
  };
  const handled = (): string[] => lines().map((line) => line.split(' ')[1]!);
  const missing = (confirmed: Iterable<number>): number[] => {
    const seen = new Set(handled());
    return [...confirmed].filter((value) => !seen.has(String(value)));
  };
  return {
    env: { CAST_LOG: path },
    lines,
    handled,
    counts() {
      const counts = new Map<string, number>();
      for (const value of handled()) counts.set(value, (counts.get(value) ?? 0) + 1);
      return counts;
    },
    async waitForAll(confirmed, timeoutMs = 30_000) {
      await until('every confirmed cast handled', () => missing(confirmed).length === 0, { timeoutMs }).catch((error: unknown) => {
        throw new Error(`${String(error)}; missing: ${missing(confirmed).join(',')}`);
      });
    },
  };
}
