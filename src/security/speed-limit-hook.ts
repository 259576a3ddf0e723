import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ViewContext } from '../web/context.js';
import { errorPage } from '../web/error-page.js';
import { html } from '../web/html.js';
import { clientAddressKey } from './client-address.js';
import type { RateLimits, SpeedLimited } from './rate-limits.js';
import { sendTooManyRequests, waitInWords } from './too-many-requests.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Counts each request to this route against that speed limit (rate-limits.ts). */
    speedLimit?: SpeedLimited;
  }
}

const SPEED_LIMITS: Record<SpeedLimited, { per: 'address' | 'member'; message: (wait: string) => string }> = {
  signup: { per: 'address', message: (wait) => `Too many sign-ups from your network. Try again in ${wait}.` },
  post: { per: 'member', message: (wait) => `You are starting discussions faster than this forum allows. You can start another in ${wait}.` },
  comment: { per: 'member', message: (wait) => `You are commenting faster than this forum allows. You can comment again in ${wait}.` },
  admin: { per: 'member', message: (wait) => `Too many admin changes in a short time. You can make more in ${wait}.` },
  moderate: { per: 'member', message: (wait) => `You are moderating faster than this forum allows. You can act again in ${wait}.` },
  emailChange: { per: 'member', message: (wait) => `You have changed your address or asked for a link too often. Try again in ${wait}.` },
  passkey: { per: 'address', message: (wait) => `Too many passkey sign-ins from your network. Try again in ${wait}.` },
  pushDevices: { per: 'member', message: (wait) => `Notifications were turned on and off too often. Try again in ${wait}.` },
  passwordReset: { per: 'address', message: (wait) => `Too many password reset requests from your network. Try again in ${wait}.` },
};

/**
 * Runs after the CSRF check and the schemas, so forged or malformed requests
 * use up nobody's allowance; every other attempt counts, accepted or not.
 */
export function installSpeedLimits(app: FastifyInstance, options: { limits: RateLimits; view(request: FastifyRequest): ViewContext }): void {
  app.addHook('preHandler', async (request, reply) => {
    const action = request.routeOptions.config.speedLimit;
    if (!action) return;
    const { per, message } = SPEED_LIMITS[action];
    // A visitor on a members' route is sent to log in by the route's own guard.
    const who = per === 'address' ? clientAddressKey(request.ip) : request.session && `member:${request.session.user.id}`;
    if (!who) return;
    const waitMs = await options.limits.speed(action, who);
    if (waitMs === 0) return;
    const text = message(waitInWords(waitMs));
    return sendTooManyRequests(request, reply, waitMs, text, () =>
      errorPage(options.view(request), 429, text, html`<p>Nothing was saved. Your browser's Back button returns to the form with what you wrote.</p>`),
    );
  });
}
