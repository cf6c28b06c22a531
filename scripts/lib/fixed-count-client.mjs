// Exactly N keep-alive GET / requests over C connections (plain or TLS), each connection sending
// its next request when the previous response has arrived. For scripts/bench-http-instructions.mjs,
// which needs a known request count rather than wrk's fixed duration. Expects hello-app.mjs's
// body ("hello world\n"). Prints {"requests":N,"ms":T}; exits 1 on any socket error.
// Usage: node scripts/lib/fixed-count-client.mjs --port P [--connections 16] [--requests 20000] [--tls]
import { connect as connectPlain } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    connections: { type: 'string', default: '16' },
    requests: { type: 'string', default: '20000' },
    tls: { type: 'boolean', default: false },
  },
});

const REQUEST = Buffer.from(`GET / HTTP/1.1\r\nHost: ${values.host}\r\n\r\n`);
const BODY = 'hello world\n';
const total = Number(values.requests);
const port = Number(values.port);
let sent = 0;
let answered = 0;
const started = performance.now();

await new Promise((resolve) => {
  for (let c = 0; c < Number(values.connections); c++) {
    const socket = values.tls
      ? connectTls({ port, host: values.host, rejectUnauthorized: false }) // the bench's throwaway self-signed certificate
      : connectPlain(port, values.host);
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    const sendNext = () => {
      if (sent < total) {
        sent++;
        socket.write(REQUEST);
      } else socket.end();
    };
    socket.once(values.tls ? 'secureConnect' : 'connect', sendNext);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk;
      let end;
      while ((end = pending.indexOf(BODY)) !== -1) {
        pending = pending.slice(end + BODY.length);
        if (++answered === total) resolve();
        sendNext();
      }
    });
    socket.on('error', (error) => {
      console.error(`fixed-count-client: ${error.message}`);
      process.exit(1);
    });
  }
});
console.log(JSON.stringify({ requests: answered, ms: Math.round(performance.now() - started) }));
process.exit(0);
