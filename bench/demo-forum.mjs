// The forum under test: seeded with the demo data, asked for pages like a browser.
import { Buffer } from 'node:buffer';
import { request } from 'node:http';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { runNode, startServer } from './processes.mjs';

/* global fetch */

export const DEMO_USER = 'ramesh';
const DEMO_PASSWORD = 'demo-password-123';
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** What browsers send, and so every forum request of the bench (autocannon's too). */
export const BROWSER_HEADERS = { 'accept-encoding': 'br, gzip' };

/** Seeds the demo data into `env`'s database; returns the path of the 1,000-comment thread. */
export async function seedDemo(env) {
  const output = await runNode([CLI, 'seed', '--demo'], env);
  const path = /long thread at (\/discuss\/\d+\/)/.exec(output)?.[1];
  if (!path) throw new Error(`seed did not name the long thread:\n${output}`);
  return path;
}

/**
 * Serves the forum (HOST, PORT, DATA_DIR… in `env`; `--workers N` when
 * `workers` > 1) in a child process; resolves with `stop()` once it answers
 * /healthz (not a page: that would put it in the page cache before the bench asks).
 */
export function startForum(env, origin, workers = 1) {
  return startServer('forum', [CLI, 'serve', ...(workers > 1 ? ['--workers', String(workers)] : [])], env, `${origin}/healthz`);
}

const DECODERS = { br: brotliDecompressSync, gzip: gunzipSync, identity: (bytes) => bytes };

/**
 * A page that must answer 200 (anything else would be measuring an error
 * page), asked for with BROWSER_HEADERS: `wire` is the body as sent, still
 * compressed, with its `encoding`; `decodedBytes` its size once decoded;
 * `queries` the count from Server-Timing when the forum runs with DEBUG_QUERIES.
 * (node:http rather than fetch, which would decode the body.)
 */
export function fetchPage(url, cookie) {
  const headers = { ...BROWSER_HEADERS, ...(cookie ? { cookie } : {}) };
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new Error(`GET ${url} answered ${response.statusCode}`));
        const wire = Buffer.concat(chunks);
        const encoding = response.headers['content-encoding'] ?? 'identity';
        const decode = DECODERS[encoding];
        if (!decode) return reject(new Error(`GET ${url} answered in an unknown Content-Encoding: ${encoding}`));
        const queries = /db;desc="(\d+) queries"/.exec(response.headers['server-timing'] ?? '')?.[1];
        resolve({ wire, encoding, decodedBytes: decode(wire).length, queries: queries === undefined ? undefined : Number(queries) });
      });
    })
      .on('error', reject)
      .end();
  });
}

/** Signs in through the login form; returns the `sid=…` cookie to send. */
export async function signIn(origin) {
  const form = await fetch(`${origin}/login`);
  const presession = cookieFrom(form, 'csrf_pre');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('the login page has no _csrf field');
  const response = await fetch(`${origin}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin, cookie: presession, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: DEMO_USER, password: DEMO_PASSWORD, _csrf: csrf }).toString(),
  });
  if (response.status !== 303) throw new Error(`POST /login answered ${response.status}, expected 303`);
  return cookieFrom(response, 'sid');
}

/** `name=value` of the cookie the response sets. */
function cookieFrom(response, name) {
  const cookie = response.headers.getSetCookie().find((header) => header.startsWith(`${name}=`));
  if (!cookie) throw new Error(`${response.url} set no ${name} cookie`);
  return cookie.split(';')[0];
}
