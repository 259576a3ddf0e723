// The baselines: a bare node:http server that does no work per request.
// `/` answers "hello world"; `/<name>` answers the bytes of <dir>/<name>,
// read into memory at start. Usage: node baseline-server.mjs <dir> (PORT, HOST).
import { createServer } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';

const dir = process.argv[2];
const bodies = new Map(readdirSync(dir).map((name) => [`/${name}`, readFileSync(join(dir, name))]));
bodies.set('/', Buffer.from('hello world'));

createServer((request, response) => {
  const body = bodies.get(request.url);
  if (!body) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length }).end(body);
}).listen(Number(process.env.PORT), process.env.HOST);
