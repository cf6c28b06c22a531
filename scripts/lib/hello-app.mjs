// The handler both sides of scripts/bench-http.mjs serve: the launcher loads it with --app, the
// raw node:cluster reference imports it, so the work per request is identical.
const BODY = Buffer.from('hello world\n');

export default function hello(_req, res) {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
}
