// The launcher-like processes scripts/bench.mjs compares, described for lifecycle-bench.mjs:
// ours, ours without the pre-forked spare, raw node:cluster, pm2 cluster mode, and oslo.service's
// ProcessLauncher with eventlet WSGI workers. All serve the same hello bytes on 127.0.0.1:0.
import { fileURLToPath } from 'node:url';

const at = (path) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Peer descriptions by key. `pm2Home` is the temporary PM2_HOME; `embeddedSocket` keeps our
 * launcher's RPC socket away from other launchers running on the machine.
 */
export function launcherPeers({ workers, pm2Home, embeddedSocket }) {
  const n = String(workers);
  const ours = [
    at('../../dist/launcher.js'),
    '--workers',
    n,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--app',
    at('./hello-app.mjs'),
    '--no-access-log',
    '--periodic-enable=false',
  ];
  // One socket each: the replacement benchmark runs every peer at once.
  const oursEnv = { OSLO_NODE_EMBEDDED_SOCKET: embeddedSocket };
  const noSpareEnv = { OSLO_NODE_EMBEDDED_SOCKET: `${embeddedSocket}-no-spare` };
  return {
    ours: {
      name: 'ours',
      command: process.execPath,
      args: ours,
      env: oursEnv,
      spare: true,
      reloadLine: 'rolling restart complete',
      workers,
    },
    oursNoSpare: {
      name: 'ours --no-prefork-spare',
      command: process.execPath,
      args: [...ours, '--no-prefork-spare'],
      env: noSpareEnv,
      reloadLine: 'rolling restart complete',
      workers,
    },
    // Serves with raw-cluster-hello.mjs (the HTTP limit); its lifecycle twin restarts on SIGHUP.
    raw: {
      name: 'raw node:cluster',
      command: process.execPath,
      args: [at('./raw-cluster-hello.mjs'), '--workers', n, '--host', '127.0.0.1', '--port', '0'],
      workers,
    },
    rawLifecycle: {
      name: 'raw node:cluster',
      command: process.execPath,
      args: [at('./raw-cluster-lifecycle.mjs'), '--workers', n],
      workers,
    },
    pm2: {
      name: 'pm2 cluster mode',
      command: process.execPath,
      args: [at('../peers/pm2-launcher.mjs'), '--workers', n],
      env: { PM2_HOME: pm2Home },
      reloadLine: 'rolling restart complete',
      stoppedLine: 'workers stopped',
      workers,
    },
    oslo: {
      name: 'oslo.service ProcessLauncher',
      command: '/usr/bin/python3',
      args: [at('../peers/oslo_wsgi_launcher.py'), '--workers', n],
      workers,
    },
  };
}
