import type { FastifyInstance } from 'fastify';
import { BrowserSession } from './browser-session.js';

/** A browser at one client address, as the trusted proxy (TRUST_PROXY=true) reports it. */
export class BrowserAt extends BrowserSession {
  constructor(
    app: FastifyInstance,
    private readonly ip: string,
  ) {
    super(app);
  }

  override get(url: string, headers: Record<string, string> = {}) {
    return super.get(url, { 'x-forwarded-for': this.ip, ...headers });
  }

  override post(url: string, fields: Record<string, string | string[] | null> = {}, headers: Record<string, string> = {}) {
    return super.post(url, fields, { 'x-forwarded-for': this.ip, ...headers });
  }
}
