// A push service on 127.0.0.1, and the browsers subscribed to it. It checks
// what RFC 8030/8291/8292 ask of a sender: the VAPID authorization (an ES256
// JWT for this origin, unexpired, with a subject, signed by the key in `k`),
// aes128gcm content of at most 4096 bytes, TTL, and the Topic and Urgency it
// was given. It then
// decrypts the body with the subscription's private key and auth secret (made
// here with node:crypto ECDH, as a browser makes them), so a test reads back
// the exact message. web-push sends only over HTTPS: the service speaks TLS
// with a certificate made for the run (openssl), and `agent` trusts it.
import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ece from 'http_ece';
import type { Db } from '../../src/db/database.js';

export interface Delivery {
  endpoint: string;
  /** The decrypted body, parsed. */
  message: unknown;
  ttl: number;
  topic: string | undefined;
  urgency: string | undefined;
  /** The VAPID JWT's claims. */
  claims: { aud: string; exp: number; sub: string };
  /** The `k` of the authorization: the sender's public key. */
  publicKey: string;
}

export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushServiceStandin {
  origin: string;
  /** An HTTPS agent that trusts this service's certificate (give it to the push handler). */
  agent: Agent;
  /** The certificate (PEM): a worker in a child process trusts it through NODE_EXTRA_CA_CERTS=<a file holding it>. */
  certificate: string;
  /** Messages accepted (201), in order. */
  deliveries: Delivery[];
  /** Requests the service refused as malformed (bad VAPID, encoding, headers), with why: a test expects none. */
  problems: string[];
  /** Requests per endpoint, whatever the answer. */
  requests: Map<string, number>;
  /** A browser subscribing: a new endpoint, with its P-256 key pair and auth secret. */
  subscribe(): BrowserSubscription;
  /** From now on, answer `status` to sends to `endpoint` (201 again to accept). */
  answer(endpoint: string, status: number): void;
  /** Messages are accepted (in `deliveries`) but their 201 waits until `until` settles; undefined answers at once again. */
  hold(until: Promise<void> | undefined): void;
  stop(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1, made by openssl for this run. */
function certificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'charcha-push-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The claims of a VAPID JWT, after checking its ES256 signature against `k` (a P-256 point, base64url). */
function verifiedClaims(jwt: string, k: string): Record<string, unknown> {
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) throw new Error('the JWT is not three parts');
  if ((JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg !== 'ES256') throw new Error('the JWT is not ES256');
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) throw new Error('k is not an uncompressed P-256 point');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
  const signed = verify('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!signed) throw new Error('the JWT signature does not verify against k');
  return JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
}

export async function startPushService(): Promise<PushServiceStandin> {
  const { key, cert } = certificate();
  const browsers = new Map<string, { ecdh: ECDH; auth: Buffer }>();
  const answers = new Map<string, number>();
  let nextId = 0;
  let held: Promise<void> | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const endpoint = `${service.origin}${req.url ?? ''}`;
    service.requests.set(endpoint, (service.requests.get(endpoint) ?? 0) + 1);
    const refuse = (status: number, problem: string) => {
      service.problems.push(`${endpoint}: ${problem}`);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(problem);
    };
    const browser = browsers.get(endpoint);
    if (req.method !== 'POST' || !browser) return refuse(404, 'no such subscription');
    const auth = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
    if (!auth) return refuse(401, `Authorization is not "vapid t=…, k=…": ${req.headers.authorization}`);
    let claims: Record<string, unknown>;
    try {
      claims = verifiedClaims(auth[1]!, auth[2]!);
    } catch (error) {
      return refuse(403, (error as Error).message);
    }
    const nowS = Date.now() / 1000;
    if (claims.aud !== service.origin) return refuse(403, `aud is ${String(claims.aud)}, not ${service.origin}`);
    if (typeof claims.exp !== 'number' || claims.exp <= nowS || claims.exp > nowS + 24 * 3600) return refuse(403, `exp ${String(claims.exp)} is not within the next 24 hours`);
    if (typeof claims.sub !== 'string' || !/^(mailto|https):/.test(claims.sub)) return refuse(403, `sub is ${String(claims.sub)}`);
    // RFC 8030: a service may refuse more; 4096 bytes is what every one takes.
    const body = Buffer.concat(chunks);
    if (body.length > 4096) return res.writeHead(413, { 'content-type': 'text/plain' }).end(`${body.length} bytes is too large`);
    if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(415, `Content-Encoding is ${req.headers['content-encoding']}`);
    const ttl = Number(req.headers.ttl);
    if (req.headers.ttl === undefined || !Number.isInteger(ttl) || ttl < 0) return refuse(400, `TTL is ${String(req.headers.ttl)}`);
    const topic = req.headers.topic as string | undefined;
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) return refuse(400, `Topic is ${topic}`);
    let message: unknown;
    try {
      const plain = ece.decrypt(body, { version: 'aes128gcm', privateKey: browser.ecdh, authSecret: browser.auth.toString('base64url') });
      message = JSON.parse(plain.toString('utf8'));
    } catch (error) {
      return refuse(400, `the body does not decrypt to JSON: ${(error as Error).message}`);
    }
    const status = answers.get(endpoint) ?? 201;
    if (status !== 201) return res.writeHead(status, { 'content-type': 'text/plain' }).end(`told to answer ${status}`);
    service.deliveries.push({
      endpoint,
      message,
      ttl,
      topic,
      urgency: req.headers.urgency as string | undefined,
      claims: claims as Delivery['claims'],
      publicKey: auth[2]!,
    });
    await held;
    res.writeHead(201, { location: `${endpoint}/messages/${service.deliveries.length}` }).end();
  };

  const server: Server = createServer({ key, cert }, (req, res) => void handle(req, res).catch((error: unknown) => res.writeHead(500).end(String(error))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const service: PushServiceStandin = {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    agent: new Agent({ ca: cert, keepAlive: false }),
    certificate: cert.toString(),
    deliveries: [],
    problems: [],
    requests: new Map(),
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const endpoint = `${service.origin}/push/${++nextId}-${randomBytes(6).toString('base64url')}`;
      browsers.set(endpoint, { ecdh, auth });
      return { endpoint, keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') } };
    },
    answer(endpoint, status) {
      answers.set(endpoint, status);
    },
    hold(until) {
      held = until;
    },
    async stop() {
      service.agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return service;
}

/** A member `username` with one browser subscribed at `service` (rows written directly, for worker tests): their id and that browser. */
export async function subscribedMember(db: Db, service: PushServiceStandin, username: string, label: string): Promise<{ userId: number; browser: BrowserSubscription }> {
  const now = Date.now();
  const { id: userId } = await db.kysely
    .insertInto('users')
    .values({ username, username_key: username, email: null, email_verified_at: null, password_hash: null, created_at: now, banned_at: null, banned_until: null, ban_reason: null, deleted_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const browser = service.subscribe();
  await db.kysely.insertInto('push_subscriptions').values({ user_id: userId, endpoint: browser.endpoint, p256dh: browser.keys.p256dh, auth: browser.keys.auth, label, created_at: now, last_used_at: null }).execute();
  return { userId, browser };
}
