/**
 * The Python oslo.messaging notification peer (test/fixtures/python/oslo_notify.py), run with
 * bookworm's oslo.messaging 14.0.3 or, through chroot, the trixie root's 16.1.
 */
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { execa } from 'execa';
import { ROOT } from '../../helpers/config.js';
import { PYTHON, rabbitUrl, spawnPythonPeer, type PythonServer } from '../../helpers/python-peer.js';
import { trixieRoot } from '../rabbitmq4/support.js';

export const PY_NOTIFY = `${ROOT}test/fixtures/python/oslo_notify.py`;

/** Which oslo.messaging: the host's 14.0.3 or the trixie root's 16.1. */
export type PythonSide = 'oslo.messaging 14.0.3' | 'oslo.messaging 16.1';

/**
 * The argv and stdin that run the peer with `args` on `side`, or a skip reason. `conf` is INI
 * text the peer loads as its config file (e.g. `[oslo_messaging_rabbit] rabbit_quorum_queue`).
 */
export function peerCommand(side: PythonSide, args: string[], conf?: string): { command: string[]; input?: string } | { skip: string } {
  const env = conf === undefined ? [] : ['env', `OSLO_PEER_CONF=${conf}`];
  if (side === 'oslo.messaging 14.0.3') return { command: [...env, PYTHON, PY_NOTIFY, ...args] };
  const root = trixieRoot();
  if ('skip' in root) return root;
  // The script is outside the root: it goes in on stdin.
  return { command: [...env, 'chroot', root.path, 'python3', '-', ...args], input: readFileSync(PY_NOTIFY, 'utf8') };
}

export interface PyNotifyOp {
  driver?: 'messaging' | 'messagingv2';
  topics?: string[];
  publisher_id?: string;
  priority: string;
  event_type: string;
  payload?: unknown;
  ctxt?: Record<string, unknown>;
}

/** Send `ops` with a Python Notifier; resolves when it printed "sent". */
export async function pythonNotify(side: PythonSide, url: string, ops: PyNotifyOp[], conf?: string): Promise<void> {
  const peer = peerCommand(side, ['notify', rabbitUrl(url), JSON.stringify(ops)], conf);
  if ('skip' in peer) throw new Error(peer.skip);
  const [file, ...args] = peer.command;
  const result = await execa(file!, args, {
    timeout: 60_000,
    reject: false,
    ...(peer.input === undefined ? { stdin: 'ignore' as const } : { input: peer.input }),
  });
  if (result.exitCode !== 0 || !result.stdout.includes('"sent"'))
    throw new Error(`python notifier failed (${result.exitCode}): ${result.stderr.slice(-2000)}`);
}

export interface PyListenSpec {
  topics: string[];
  priorities: string[];
  pool?: string;
  filter?: Record<string, unknown>;
  allow_requeue?: boolean;
  requeue_first?: number;
  batch_size?: number;
  batch_timeout?: number;
}

/** Start a Python NotificationListener; resolves once it consumes. */
export async function startPythonListener(
  t: TestContext,
  side: PythonSide,
  url: string,
  spec: PyListenSpec,
  conf?: string,
): Promise<PythonServer> {
  const peer = peerCommand(side, ['listen', rabbitUrl(url), JSON.stringify(spec)], conf);
  if ('skip' in peer) throw new Error(peer.skip);
  const listener = spawnPythonPeer(t, peer.command, peer.input);
  await listener.waitEvent((event) => event.event === 'ready', 30_000);
  return listener;
}
