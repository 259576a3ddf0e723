// A stand-in for GitHub's OAuth 2 endpoints and the two API calls sign-in
// makes, over real HTTP on 127.0.0.1, behaving as GitHub documents: the
// authorize page (here: the person is already signed in and consents, or
// cancels), the code exchange (PKCE checked; codes single-use and short-lived;
// a bad code answered 200 with "bad_verification_code", as GitHub does),
// GET /user and GET /user/emails.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GithubUser {
  id: number;
  login: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

export interface GithubStandin {
  url: string;
  /** Who is signed in at "GitHub" when the browser arrives; 'cancel' denies. */
  next: GithubUser | 'cancel';
  stop(): Promise<void>;
}

export async function startGithubStandin(client: { clientId: string; clientSecret: string }): Promise<GithubStandin> {
  const codes = new Map<string, { user: GithubUser; challenge: string; redirectUri: string }>();
  const tokens = new Map<string, GithubUser>();
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', standin.url);
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== client.clientId || q.get('code_challenge_method') !== 'S256') return json(res, 400, { error: 'bad request' });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('state', q.get('state') ?? '');
      if (standin.next === 'cancel') {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_description', 'The user has denied your application access.');
      } else {
        const code = randomBytes(10).toString('hex');
        codes.set(code, { user: standin.next, challenge: q.get('code_challenge') ?? '', redirectUri: q.get('redirect_uri')! });
        back.searchParams.set('code', code);
      }
      return res.writeHead(302, { location: back.href }).end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let raw = '';
      for await (const chunk of req) raw += String(chunk);
      const form = new URLSearchParams(raw);
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent);
      const [id, secret] = form.has('client_secret') ? [form.get('client_id'), form.get('client_secret')] : basic;
      if (id !== client.clientId || secret !== client.clientSecret) return json(res, 200, { error: 'incorrect_client_credentials' });
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (!grant || grant.redirectUri !== form.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
        return json(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      }
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.set(token, grant.user);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    const user = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
    if (req.method === 'GET' && url.pathname === '/user') return user ? json(res, 200, { id: user.id, login: user.login, email: null }) : json(res, 401, { message: 'Bad credentials' });
    if (req.method === 'GET' && url.pathname === '/user/emails') return user ? json(res, 200, user.emails) : json(res, 401, { message: 'Bad credentials' });
    return json(res, 404, { message: 'Not Found' });
  };
  const server = createServer((req, res) => void handle(req, res).catch((error: unknown) => json(res, 500, { message: String(error) })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const standin: GithubStandin = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    next: 'cancel',
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return standin;
}
