// A cookie-keeping client that prepares what the audit needs: members, a
// discussion and a comment to reply to, each through the site's own forms.
import { URLSearchParams } from 'node:url';

/* global fetch */

export class ForumClient {
  cookies = new Map();
  csrf = '';

  constructor(origin) {
    this.origin = origin;
  }

  get cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** GET, or POST a form (with this client's _csrf); keeps cookies and the page's _csrf. */
  async request(path, form) {
    const headers = { cookie: this.cookieHeader };
    const init = { headers, redirect: 'manual' };
    if (form) {
      Object.assign(init, { method: 'POST', body: new URLSearchParams({ _csrf: this.csrf, ...form }).toString() });
      Object.assign(headers, { origin: this.origin, 'content-type': 'application/x-www-form-urlencoded' });
    }
    const response = await fetch(this.origin + path, init);
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (value) this.cookies.set(name, value);
      else this.cookies.delete(name);
    }
    const body = await response.text();
    const token = /name="_csrf" value="([^"]*)"/.exec(body);
    if (token) this.csrf = token[1];
    return { status: response.status, location: response.headers.get('location') ?? '' };
  }

  /** POSTs a form that must redirect; returns the number matched by `pattern` in the Location. */
  async submit(path, form, pattern = /.*/) {
    const { status, location } = await this.request(path, form);
    const match = pattern.exec(location);
    if (status !== 303 || !match) throw new Error(`POST ${path} answered ${status} ${location}`);
    return Number(match[1]);
  }

  async signUp(username, password) {
    await this.request('/signup');
    await this.submit('/signup', { username, password });
    await this.request('/');
  }
}
