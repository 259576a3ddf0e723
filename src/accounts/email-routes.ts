import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ValidationError } from '../errors.js';
import { mailLinkOrigin } from '../mail/links.js';
import { presessionToken } from '../security/csrf.js';
import { sendTooManyRequests, waitInWords } from '../security/too-many-requests.js';
import { currentUser } from '../web/guards.js';
import { clearSessionCookie } from './session-hooks.js';
import { askToConfirmIfStale } from './two-step/recent-auth.js';
import { sendHtml } from '../web/respond.js';
import type { RouteDeps } from '../web/route-deps.js';
import { CsrfField, CsrfOnlyBody } from '../web/schemas.js';
import {
  emailSettingsPage,
  emailVerifiedPage,
  linkProblemPage,
  resetAskPage,
  resetDonePage,
  resetSentPage,
  resetSetPage,
} from './email-views.js';

const SETTINGS = '/settings/email/';
const TokenParams = Type.Object({ token: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
const NOTICES = {
  sent: 'A new link is on its way to your address.',
  changed: 'Your address is saved. Follow the link we sent to it to verify it.',
  removed: 'Your address is removed.',
} as const;

/** Mail-based ways in (password reset, address verification), open to all, and the signed-in person's e-mail settings. */
export const emailRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { email } = deps.services;
  // Messages on their way are sent before the server stops.
  root.addHook('onClose', () => deps.services.mail.close());

  /** A view for the visitor's forms (no session): the signed, cookie-bound token. */
  const visitorView = (request: FastifyRequest, reply: FastifyReply) => deps.view(request, presessionToken(request, reply, deps.presession));

  app.get('/password-reset', { config: { access: 'open' } }, async (request, reply) =>
    sendHtml(reply, resetAskPage(visitorView(request, reply), { mailAvailable: email.available })),
  );

  app.post(
    '/password-reset',
    {
      config: { access: 'open', csrf: 'presession', speedLimit: 'passwordReset' },
      schema: { body: Type.Object({ login: Type.String({ maxLength: 254 }), _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const view = visitorView(request, reply);
      const login = request.body.login.trim();
      if (!email.available) return sendHtml(reply, resetAskPage(view, { mailAvailable: false }), 404);
      // Per name or address asked about, whether it exists or not: the answer tells nothing.
      const waitMs = await deps.limits.speed('passwordResetAccount', login.toLowerCase());
      if (waitMs > 0) {
        const error = `Too many reset requests for this username or address. Try again in ${waitInWords(waitMs)}.`;
        return sendTooManyRequests(request, reply, waitMs, error, () => resetAskPage(view, { mailAvailable: true, login, error }));
      }
      email.requestPasswordReset(login, mailLinkOrigin(deps, request));
      return sendHtml(reply, resetSentPage(view));
    },
  );

  const linkProblem = (request: FastifyRequest, reply: FastifyReply, problem: string) =>
    sendHtml(reply, linkProblemPage(deps.view(request), { title: 'This reset link does not work', problem, next: { href: '/password-reset/', label: 'Ask for a new link' } }), 400);

  app.get('/password-reset/:token', { config: { access: 'open' }, schema: { params: TokenParams } }, async (request, reply) => {
    const target = await email.resetTarget(request.params.token);
    if ('problem' in target) return linkProblem(request, reply, target.problem);
    return sendHtml(reply, resetSetPage(visitorView(request, reply), { token: request.params.token, username: target.user.username }));
  });

  app.post(
    '/password-reset/:token',
    {
      config: { access: 'open', csrf: 'presession' },
      schema: {
        params: TokenParams,
        body: Type.Object({ new_password: Type.String({ maxLength: 1000 }), username: Type.Optional(Type.String({ maxLength: 200 })), _csrf: CsrfField }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const { token } = request.params;
      try {
        const outcome = await email.resetPassword(token, request.body.new_password);
        if ('problem' in outcome) return linkProblem(request, reply, outcome.problem);
        // Every session of the account is gone, this browser's too if it had one: it logs in afresh.
        if (request.session?.user.id === outcome.userId) {
          clearSessionCookie(request, reply);
          request.session = null;
        }
        return sendHtml(reply, resetDonePage(deps.view(request), outcome));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const target = await email.resetTarget(token);
        if ('problem' in target) return linkProblem(request, reply, target.problem);
        return sendHtml(reply, resetSetPage(visitorView(request, reply), { token, username: target.user.username, errors: error.fields }), 400);
      }
    },
  );

  app.get('/verify-email/:token', { config: { access: 'open' }, schema: { params: TokenParams } }, async (request, reply) => {
    const outcome = await email.verify(request.params.token);
    if ('problem' in outcome) {
      const next = request.session ? { href: '/settings/email/', label: 'Your e-mail settings' } : { href: '/login?next=%2Fsettings%2Femail%2F', label: 'Log in to send a new link' };
      return sendHtml(reply, linkProblemPage(deps.view(request), { title: 'This link does not work', problem: outcome.problem, next }), 400);
    }
    return sendHtml(reply, emailVerifiedPage(deps.view(request), outcome));
  });

  const settingsPage = async (request: FastifyRequest, extra: { notice?: string; values?: { email?: string }; errors?: Record<string, string> } = {}) => {
    const address = await email.addressOf(currentUser(request).id);
    return emailSettingsPage(deps.view(request), { email: address.email, verifiedAt: address.email_verified_at, mailAvailable: email.available, ...extra });
  };

  app.get(
    '/settings/email',
    {
      config: { access: 'signed-in' },
      schema: { querystring: Type.Object({ done: Type.Optional(Type.Union([Type.Literal('sent'), Type.Literal('changed'), Type.Literal('removed')])) }, { additionalProperties: false }) },
    },
    async (request, reply) => askToConfirmIfStale(request, reply, deps.now, SETTINGS) ?? sendHtml(reply, await settingsPage(request, { notice: request.query.done && NOTICES[request.query.done] })),
  );

  app.post(
    '/settings/email',
    {
      config: { access: 'signed-in', speedLimit: 'emailChange' },
      schema: {
        body: Type.Object({ email: Type.String({ maxLength: 400 }), _csrf: CsrfField }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const ask = askToConfirmIfStale(request, reply, deps.now, SETTINGS);
      if (ask) return ask;
      const { email: address } = request.body;
      try {
        await email.changeAddress(currentUser(request).id, { email: address }, mailLinkOrigin(deps, request));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return sendHtml(reply, await settingsPage(request, { values: { email: address }, errors: error.fields }), 400);
      }
      return reply.redirect(`/settings/email/?done=${address.trim() ? 'changed' : 'removed'}`, 303);
    },
  );

  app.post('/settings/email/resend', { config: { access: 'signed-in', speedLimit: 'emailChange' }, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    const sent = email.available && (await email.resendVerification(currentUser(request).id, mailLinkOrigin(deps, request)));
    return reply.redirect(sent ? '/settings/email/?done=sent' : '/settings/email/', 303);
  });
};
