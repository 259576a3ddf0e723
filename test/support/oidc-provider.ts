// A real OpenID Connect provider (oidc-provider, certified) on 127.0.0.1 for
// the sign-in tests, with a login page of its own: type a login name, press
// "Sign in" (or "Cancel", which denies consent). Accounts are made on first
// use; a test may give one its claims first. Also `ProviderClient`, a
// cookie-keeping HTTP client that walks through that page as a browser would.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export interface TestIdpOptions {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Listen on this port (chosen beforehand, when the app must know the issuer first). */
  port?: number;
}

export interface AccountClaims {
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
}

export interface TestIdp {
  issuer: string;
  /** Claims for a login name typed on the provider's page (an unknown name gets none but `sub`). */
  accounts: Map<string, AccountClaims>;
  /** Lifetime of authorization codes, seconds (the expired-code test shortens it). */
  codeTtlSeconds: number;
  stop(): Promise<void>;
}

const readForm = async (req: IncomingMessage): Promise<URLSearchParams> => {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return new URLSearchParams(body);
};

const loginPage = (uid: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title></head><body>
<main><h1>Test provider</h1>
<form method="post" action="/interaction/${uid}/login"><label for="login">Login name</label> <input id="login" name="login" required> <button type="submit">Sign in</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form></main></body></html>`;

export async function startTestIdp(options: TestIdpOptions): Promise<TestIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: TestIdp = {
    issuer,
    accounts: new Map(),
    codeTtlSeconds: 60,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username'] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, ...idp.accounts.get(sub) }) }),
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: { AuthorizationCode: () => idp.codeTtlSeconds },
    cookies: { keys: ['test-provider-cookie-key'] },
  };
  const provider = new Provider(issuer, configuration);
  // No warnings about the development keys and plain HTTP on the test's output.
  provider.on('server_error', (_ctx, error) => console.error('test provider:', error));
  const handle = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([^/?]+)(?:\/(login|abort))?/.exec(req.url ?? '');
    if (!match) return void handle(req, res);
    void (async () => {
      const [, uid, action] = match;
      if (!action) {
        await provider.interactionDetails(req, res);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(loginPage(uid!));
        return;
      }
      if (action === 'abort') {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The person cancelled' }, { mergeWithLastSubmission: false });
        return;
      }
      const login = (await readForm(req)).get('login') ?? '';
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: login, clientId: String(details.params.client_id) });
      grant.addOIDCScope('openid email profile');
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: login }, consent: { grantId } }, { mergeWithLastSubmission: false });
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  return idp;
}

/** Walks the provider's pages as a browser would (keeping its cookies), from an authorization URL to the redirect back. */
export class ProviderClient {
  readonly #cookies = new Map<string, string>();

  async #request(url: string, form?: Record<string, string>): Promise<Response> {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(pair!.slice(0, eq));
      else this.#cookies.set(pair!.slice(0, eq), value);
    }
    return response;
  }

  /** Follows redirects on the provider's origin; returns the first URL elsewhere (the app's callback). */
  async #follow(response: Response, base: string): Promise<URL> {
    for (let hops = 0; hops < 10; hops++) {
      const location = response.headers.get('location');
      if (!location) throw new Error(`the provider answered ${response.status} without a redirect: ${(await response.text()).slice(0, 300)}`);
      const url = new URL(location, base);
      if (url.origin !== new URL(base).origin) return url;
      response = await this.#request(url.href);
    }
    throw new Error('too many redirects at the provider');
  }

  /** Opens the authorization URL, then signs in as `login` (or cancels); returns where the provider sends the browser back. */
  async authorize(authorizationUrl: string, choice: { login: string } | 'cancel'): Promise<URL> {
    const start = await this.#request(authorizationUrl);
    const interaction = new URL(start.headers.get('location') ?? '', authorizationUrl);
    if (!interaction.pathname.startsWith('/interaction/')) return this.#follow(start, authorizationUrl);
    await this.#request(interaction.href);
    const submitted = choice === 'cancel' ? await this.#request(`${interaction.href}/abort`, {}) : await this.#request(`${interaction.href}/login`, { login: choice.login });
    return this.#follow(submitted, authorizationUrl);
  }
}
