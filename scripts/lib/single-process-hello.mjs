// One process, no cluster: either node's http(s) server listening itself (--mode raw) or our
// HttpService fed by a pauseOnConnect net server, the way the launcher hands sockets over
// (--mode service). scripts/bench-http.mjs compares the two to isolate HttpService's own cost
// from the launcher's. Prints {"msg":"launcher ready","port":N} when listening.
// Usage: node scripts/lib/single-process-hello.mjs --mode raw|service [--cert F --key F] [--access-log]
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { parseArgs } from 'node:util';
import hello from './hello-app.mjs';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'service' },
    host: { type: 'string', default: '127.0.0.1' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'access-log': { type: 'boolean', default: false },
  },
});

let server;
if (values.mode === 'raw') {
  server = values.cert
    ? createHttpsServer({ cert: readFileSync(values.cert), key: readFileSync(values.key) }, hello)
    : createHttpServer(hello);
  server.keepAliveTimeout = 900_000;
} else {
  const dist = new URL('../../dist/src/', import.meta.url);
  const { loadConfig } = await import(new URL('config/index.js', dist));
  const { HttpService } = await import(new URL('http/http-service.js', dist));
  const { createLogger } = await import(new URL('logging/logger.js', dist));
  const argv = [values['access-log'] ? '--access-log' : '--no-access-log'];
  if (values.cert) argv.push('--ssl-cert-file', values.cert, '--ssl-key-file', values.key);
  const { config } = loadConfig(argv, {});
  const service = new HttpService({ config, logger: createLogger({ level: 'info', workerId: 1, async: true }), app: hello });
  await service.start();
  server = createNetServer({ pauseOnConnect: true }, (socket) => service.handleConnection(socket));
  process.once('SIGTERM', () => service.stop(1000).then(() => process.exit(0)));
}
server.listen(0, values.host, () => {
  console.log(JSON.stringify({ msg: 'launcher ready', port: server.address().port, pid: process.pid }));
});
process.once('SIGTERM', () => process.exit(0));
