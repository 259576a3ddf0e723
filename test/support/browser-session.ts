import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

const ORIGIN = 'http://localhost';

/**
 * A browser-like client over app.inject: keeps cookies, sends Origin on
 * unsafe requests as browsers do, and fills `_csrf` from the last page it read.
 */
export class BrowserSession {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(private readonly app: FastifyInstance) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now()) || cookie.value === '';
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const token = /name="_csrf" value="([^"]*)"/.exec(response.body);
    if (token?.[1]) this.csrf = token[1];
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader(), ...headers } });
    this.remember(response);
    return response;
  }

  /** A form post; `_csrf` is added unless the fields set it (or set it to null to leave it out); a list is a field sent once per value (ticked checkboxes). */
  async post(url: string, fields: Record<string, string | string[] | null> = {}, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const form = new URLSearchParams();
    if (!('_csrf' in fields)) form.set('_csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) for (const value of v === null ? [] : [v].flat()) form.append(k, value);
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload: form.toString(),
      // As a browser's form post: it asks for a page.
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml,*/*;q=0.8', origin: ORIGIN, cookie: this.cookieHeader(), ...headers },
    });
    this.remember(response);
    return response;
  }

  /** What a page's script does with a JSON body (passkeys, push): the token in a header; the cookies it is given are kept. */
  async postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload: JSON.stringify(body),
      headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': this.csrf, origin: ORIGIN, cookie: this.cookieHeader(), ...headers },
    });
    this.remember(response);
    return response;
  }

  /** What the page's script does: fetch with the token in a header, asking for JSON. */
  async fetchJson(url: string, headers: Record<string, string> = {}, form?: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.app.inject({
      method: 'POST',
      url,
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
      headers: {
        accept: 'application/json',
        'x-csrf-token': this.csrf,
        origin: ORIGIN,
        cookie: this.cookieHeader(),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
    });
  }

  async signup(username: string, password = 'correct-horse-battery'): Promise<LightMyRequestResponse> {
    await this.get('/signup');
    const response = await this.post('/signup', { username, password });
    if (response.statusCode !== 303) throw new Error(`signup of ${username} failed: ${response.statusCode} ${response.body.slice(0, 500)}`);
    await this.get('/');
    return response;
  }

  async login(username: string, password = 'correct-horse-battery'): Promise<LightMyRequestResponse> {
    await this.get('/login');
    const response = await this.post('/login', { username, password });
    await this.get('/');
    return response;
  }
}

/** A page with its CSRF token blanked: the token is masked afresh for every page. */
export function withoutToken(body: string): string {
  return body.replaceAll(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""');
}

/** Query count from the Server-Timing header (DEBUG_QUERIES). */
export function queryCount(response: Pick<LightMyRequestResponse, 'headers'>): number {
  const header = String(response.headers['server-timing'] ?? '');
  const match = /desc="(\d+) queries"/.exec(header);
  if (!match) throw new Error(`no query count in Server-Timing: "${header}"`);
  return Number(match[1]);
}
