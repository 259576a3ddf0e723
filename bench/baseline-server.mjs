// The baselines: a bare node:http server that does no work per request.
// `/` answers "hello world"; `/<name>` answers the bytes of the file
// <dir>/<name>.<encoding>, read into memory at start, with that
// Content-Encoding (none for `identity`): the very bytes the forum sent.
// Usage: node baseline-server.mjs <dir> (PORT, HOST).
import { createServer } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';

const dir = process.argv[2];
const pages = new Map(
  readdirSync(dir).map((file) => {
    const dot = file.lastIndexOf('.');
    const encoding = file.slice(dot + 1);
    return [`/${file.slice(0, dot)}`, { body: readFileSync(join(dir, file)), encoding: encoding === 'identity' ? undefined : encoding }];
  }),
);
pages.set('/', { body: Buffer.from('hello world') });

createServer((request, response) => {
  const page = pages.get(request.url);
  if (!page) {
    response.writeHead(404).end();
    return;
  }
  const headers = { 'content-type': 'text/html; charset=utf-8', 'content-length': page.body.length };
  if (page.encoding) headers['content-encoding'] = page.encoding;
  response.writeHead(200, headers).end(page.body);
}).listen(Number(process.env.PORT), process.env.HOST);
