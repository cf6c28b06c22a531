/**
 * The Debian trixie root of scripts/trixie-root.sh (RabbitMQ 4 and the oslo.messaging 16.1 peer).
 * In CI (CI=true) a missing root fails the test; elsewhere the test is skipped with a reason.
 */
import { existsSync } from 'node:fs';

/** Where scripts/trixie-root.sh keeps the root (OSLO_NODE_TRIXIE_ROOT overrides it). */
export const TRIXIE_ROOT = process.env.OSLO_NODE_TRIXIE_ROOT ?? '/var/cache/oslo-node/trixie';

/** The root's path when it is built (stamped) and mounted, else a skip reason (thrown in CI). */
export function trixieRoot(): { path: string } | { skip: string } {
  const stamped = existsSync(`${TRIXIE_ROOT}/.oslo-node-trixie-root`);
  const mounted = existsSync(`${TRIXIE_ROOT}/proc/self`);
  if (stamped && mounted) return { path: TRIXIE_ROOT };
  const why = `no trixie root at ${TRIXIE_ROOT} (${stamped ? 'proc not mounted' : 'not built'}; run sudo bash scripts/trixie-root.sh)`;
  if (process.env.CI === 'true') throw new Error(`${why}; the RabbitMQ 4 and oslo.messaging 16.1 tests need it in CI`);
  return { skip: why };
}
