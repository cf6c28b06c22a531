// Exactly N keep-alive GET / requests over C connections (plain or TLS), each connection sending
// its next request when the previous response has arrived; with --close, each request on a new
// connection (`Connection: close`, C at a time), the next opened once the server has closed one. For scripts/bench-http-instructions.mjs,
// which needs a known request count rather than wrk's fixed duration. Expects hello-app.mjs's
// body ("hello world\n"). Prints {"requests":N,"ms":T}; exits 1 on any socket error.
// Usage: node scripts/lib/fixed-count-client.mjs --port P [--connections 16] [--requests 20000] [--tls | --close]
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
    close: { type: 'boolean', default: false },
  },
});

const REQUEST = Buffer.from(`GET / HTTP/1.1\r\nHost: ${values.host}\r\n\r\n`);
const BODY = 'hello world\n';
const total = Number(values.requests);
const port = Number(values.port);
let sent = 0;
let answered = 0;
const started = performance.now();

const fail = (error) => {
  console.error(`fixed-count-client: ${error.message}`);
  process.exit(1);
};

/** One request per connection: send, read to the server's close, then the next connection. */
function closeLane(resolve) {
  if (sent >= total) return;
  sent++;
  const socket = connectPlain(port, values.host);
  socket.setNoDelay(true);
  socket.setEncoding('latin1');
  let received = '';
  socket.once('connect', () => socket.write(CLOSE_REQUEST));
  socket.on('data', (chunk) => (received += chunk));
  socket.on('close', () => {
    if (!received.endsWith(BODY)) fail(new Error(`unexpected response: ${JSON.stringify(received.slice(0, 200))}`));
    if (++answered === total) resolve();
    closeLane(resolve);
  });
  socket.on('error', fail);
}

const CLOSE_REQUEST = Buffer.from(`GET / HTTP/1.1\r\nHost: ${values.host}\r\nConnection: close\r\n\r\n`);

await new Promise((resolve) => {
  if (values.close) {
    for (let c = 0; c < Number(values.connections); c++) closeLane(resolve);
    return;
  }
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
