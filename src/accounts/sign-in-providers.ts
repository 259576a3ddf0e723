// "Sign in with …": the authorization code flow with PKCE, state and nonce,
// through openid-client (discovery, token exchange, ID token validation:
// signature, issuer, audience, expiry, nonce). GitHub speaks OAuth 2 without
// OpenID Connect: the same flow, then its REST API says who the person is.
// Knows nothing of our HTTP requests: routes keep the checks in a cookie.
import * as oidc from 'openid-client';
import type { AuthProvider, GithubProvider, OidcProvider } from '../config.js';

/** Who the provider says the person is. */
export interface ProviderProfile {
  provider: string;
  /** The provider's stable id for the person. */
  subject: string;
  email: string | null;
  /** Whether the provider vouches for the address (only then may it match an account). */
  emailVerified: boolean;
  /** The provider's user name (preferred_username, GitHub's login), when it has one. */
  username: string | null;
}

/** What the browser keeps between leaving for the provider and coming back. */
export interface FlowChecks {
  state: string;
  /** OpenID Connect only: the ID token must carry it back. */
  nonce?: string;
  /** PKCE: only the browser that started the flow can finish it. */
  verifier: string;
}

export type SignInFailure = 'denied' | 'unverified' | 'code' | 'unavailable';

/** A sign-in that did not succeed, by cause (the route words the message). */
export class ProviderSignInError extends Error {
  override name = 'ProviderSignInError';
  constructor(
    readonly reason: SignInFailure,
    options?: { cause?: unknown },
  ) {
    super(`provider sign-in failed: ${reason}`, options);
  }
}

const TIMEOUT_S = 10;
const SCOPES = { oidc: 'openid email profile', github: 'read:user user:email' };

export class SignInProviders {
  readonly #byName: Map<string, AuthProvider>;
  /** Discovery runs once per provider, at its first use (never in the constructor); a failure is retried next time. */
  readonly #configurations = new Map<string, Promise<oidc.Configuration>>();

  constructor(providers: readonly AuthProvider[]) {
    this.#byName = new Map(providers.map((p) => [p.name, p]));
  }

  /** The configured providers' names and labels (their secrets stay here), for the login page's buttons. */
  enabled(): Pick<AuthProvider, 'name' | 'label'>[] {
    return [...this.#byName.values()].map(({ name, label }) => ({ name, label }));
  }

  find(name: string): AuthProvider | undefined {
    return this.#byName.get(name);
  }

  /**
   * Where to send the browser, and the checks to keep for its return;
   * `reauthenticate` asks an OpenID provider to have the person sign in again rather than reuse their session there.
   */
  async start(provider: AuthProvider, redirectUri: string, reauthenticate = false): Promise<{ url: string; checks: FlowChecks }> {
    const config = await this.#configuration(provider);
    const checks: FlowChecks = { state: oidc.randomState(), verifier: oidc.randomPKCECodeVerifier() };
    if (provider.kind === 'oidc') checks.nonce = oidc.randomNonce();
    const parameters: Record<string, string> = {
      redirect_uri: redirectUri,
      scope: SCOPES[provider.kind],
      state: checks.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.verifier),
      code_challenge_method: 'S256',
    };
    if (checks.nonce) parameters.nonce = checks.nonce;
    // GitHub (OAuth 2) has no such parameter: its session there stands (docs/decisions.md).
    if (reauthenticate && provider.kind === 'oidc') parameters.prompt = 'login';
    return { url: oidc.buildAuthorizationUrl(config, parameters).href, checks };
  }

  /** Checks the provider's answer (`callbackUrl` is the URL it sent the browser back to) and says who signed in. */
  async finish(provider: AuthProvider, callbackUrl: URL, redirectUri: string, checks: FlowChecks): Promise<ProviderProfile> {
    const config = await this.#configuration(provider);
    // openid-client compares the callback with the redirect URI we sent (the same path, our public origin).
    const current = new URL(redirectUri);
    current.search = callbackUrl.search;
    let tokens;
    try {
      tokens = await oidc.authorizationCodeGrant(config, current, {
        expectedState: checks.state,
        pkceCodeVerifier: checks.verifier,
        ...(checks.nonce ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
      });
    } catch (error) {
      throw new ProviderSignInError(failureOf(error), { cause: error });
    }
    try {
      return provider.kind === 'github' ? await githubProfile(provider, tokens.access_token) : await oidcProfile(provider, config, tokens);
    } catch (error) {
      throw new ProviderSignInError(isUnreachable(error) ? 'unavailable' : 'unverified', { cause: error });
    }
  }

  #configuration(provider: AuthProvider): Promise<oidc.Configuration> {
    let config = this.#configurations.get(provider.name);
    if (!config) {
      config = (provider.kind === 'github' ? Promise.resolve(githubConfiguration(provider)) : discover(provider)).catch((error: unknown) => {
        this.#configurations.delete(provider.name);
        throw new ProviderSignInError('unavailable', { cause: error });
      });
      this.#configurations.set(provider.name, config);
    }
    return config;
  }
}

/** Plain HTTP only reaches config.ts's checks on loopback outside production. */
const insecure = (url: string) => (url.startsWith('http:') ? [oidc.allowInsecureRequests] : []);

function discover(provider: OidcProvider): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(provider.issuer), provider.clientId, provider.clientSecret, undefined, {
    execute: insecure(provider.issuer),
    timeout: TIMEOUT_S,
  });
}

function githubConfiguration(provider: GithubProvider): oidc.Configuration {
  const config = new oidc.Configuration(
    {
      issuer: provider.oauthUrl,
      authorization_endpoint: new URL('/login/oauth/authorize', provider.oauthUrl).href,
      token_endpoint: new URL('/login/oauth/access_token', provider.oauthUrl).href,
    },
    provider.clientId,
    provider.clientSecret,
  );
  config.timeout = TIMEOUT_S;
  for (const allow of insecure(provider.oauthUrl)) allow(config);
  // GitHub answers a refused code exchange with 200 and {"error": …}; as a 400 it reads as the OAuth error it is.
  config[oidc.customFetch] = async (url, options) => {
    const response = await fetch(url, options as RequestInit);
    if (!response.ok || !url.endsWith('/login/oauth/access_token')) return response;
    const body = (await response.clone().json().catch(() => null)) as { error?: unknown } | null;
    return typeof body?.error === 'string' ? new Response(JSON.stringify(body), { status: 400, headers: response.headers }) : response;
  };
  return config;
}

async function oidcProfile(
  provider: OidcProvider,
  config: oidc.Configuration,
  tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>,
): Promise<ProviderProfile> {
  let claims: Record<string, unknown> = { ...tokens.claims() };
  // Some providers put the e-mail only in the userinfo answer (an ID token from the code flow may carry just "sub").
  if (typeof claims.email !== 'string' && config.serverMetadata().userinfo_endpoint) {
    claims = { ...claims, ...(await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub))) };
  }
  return {
    provider: provider.name,
    subject: String(claims.sub),
    email: typeof claims.email === 'string' ? claims.email : null,
    emailVerified: claims.email_verified === true,
    username: typeof claims.preferred_username === 'string' ? claims.preferred_username : null,
  };
}

async function githubProfile(provider: GithubProvider, accessToken: string): Promise<ProviderProfile> {
  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(new URL(path, provider.apiUrl), {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json', 'user-agent': 'Charcha' },
      signal: AbortSignal.timeout(TIMEOUT_S * 1000),
    });
    if (!response.ok) throw new Error(`GitHub ${path} answered ${response.status}`);
    return response.json();
  };
  const user = (await get('/user')) as { id?: unknown; login?: unknown };
  if (typeof user.id !== 'number') throw new Error('GitHub /user had no id');
  // The address GitHub has verified and the person marked primary (the profile's public one may be neither).
  const emails = (await get('/user/emails')) as { email: string; primary: boolean; verified: boolean }[];
  const primary = Array.isArray(emails) ? emails.find((e) => e.primary && e.verified) : undefined;
  return {
    provider: provider.name,
    subject: String(user.id),
    email: primary?.email ?? null,
    emailVerified: primary !== undefined,
    username: typeof user.login === 'string' ? user.login : null,
  };
}

/** A network failure or timeout anywhere in the error's causes. */
function isUnreachable(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e.name === 'AbortError' || e.name === 'TimeoutError' || (e instanceof TypeError && e.message === 'fetch failed')) return true;
  }
  return false;
}

function failureOf(error: unknown): SignInFailure {
  if (error instanceof oidc.AuthorizationResponseError) return error.error === 'access_denied' ? 'denied' : 'unverified';
  if (isUnreachable(error)) return 'unavailable';
  if (error instanceof oidc.ResponseBodyError) {
    // GitHub's word for it: bad_verification_code.
    if (error.error === 'invalid_grant' || error.error === 'bad_verification_code') return 'code';
    return error.status >= 500 ? 'unavailable' : 'unverified';
  }
  return 'unverified';
}
