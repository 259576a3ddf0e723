// "Sign in with …" and the linked identities' settings.
//   GET  /auth/<name>/login?next=/path   leave for the provider (a plain URL any page may link)
//   POST /auth/<name>/login              the same, to link an identity to the signed-in account, or
//                                        (purpose=confirm) to prove it is them again (/settings/confirm/)
//   GET  /auth/<name>/callback           the provider sends the browser back here
//   GET|POST /auth/<name>/username       a new account's name, when the proposed one is taken
//   GET  /settings/identities/, POST /settings/identities/<id>/unlink/
// Between leaving and coming back, the browser keeps the flow's checks in a
// signed cookie. It is SameSite=Lax: the provider's redirect back is a
// cross-site navigation, on which a Strict cookie would not be sent.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AuthProvider } from '../config.js';
import { ValidationError } from '../errors.js';
import { presessionToken } from '../security/csrf.js';
import { SignedValues } from '../security/signed-values.js';
import { errorPage } from '../web/error-page.js';
import { currentUser } from '../web/guards.js';
import { safeNext, sendHtml } from '../web/respond.js';
import type { RouteDeps } from '../web/route-deps.js';
import { CsrfField, CsrfOnlyBody, RowId } from '../web/schemas.js';
import { proposeUsername } from './identities.js';
import { chooseUsernamePage, enabledProvidersList, identitiesPage } from './provider-views.js';
import { signInRefusal } from './service.js';
import { ProviderSignInError, type FlowChecks, type ProviderProfile, type SignInFailure } from './sign-in-providers.js';
import { askToConfirmIfStale, CONFIRM_PATH, type ConfirmProblem } from './two-step/recent-auth.js';
import { loginPage } from './views.js';
import { confirmSession } from './session-hooks.js';

const FLOW_COOKIE = 'auth_flow';
const PENDING_COOKIE = 'auth_pending';
/** How long a sign-in may spend at the provider, and choosing a username. */
const FLOW_MAX_AGE_MS = 10 * 60_000;
const SETTINGS = '/settings/identities/';

/** What the browser carries to the provider and back. */
interface Flow extends FlowChecks {
  provider: string;
  next: string;
  /** Set when a signed-in person links an identity (never from a GET: it is started by a CSRF-checked form). */
  linkTo?: number;
  /** Set when a signed-in person confirms it is them with an identity of theirs (recent-auth.ts); as linkTo, only from a form. */
  confirmFor?: number;
}

/** A new identity whose proposed username was taken, waiting for the person to choose one. */
interface Pending {
  profile: ProviderProfile;
  next: string;
}

const FAILURES: Record<SignInFailure | 'expired', (label: string) => string> = {
  denied: (label) => `You did not allow signing in with ${label}, so you are not signed in.`,
  expired: () => 'This sign-in could not be checked: it took longer than 10 minutes, or was started in another browser. Please try again.',
  unverified: (label) => `The answer from ${label} could not be verified, so you are not signed in. Please try again.`,
  code: (label) => `This sign-in with ${label} had expired or was already used. Please try again.`,
  unavailable: (label) => `${label} is not answering just now. Please try again in a few minutes, or log in with your password.`,
};

const ProviderParams = Type.Object({ provider: Type.String({ maxLength: 40 }) }, { additionalProperties: false });
const Next = Type.Optional(Type.String({ maxLength: 2000 }));
const CallbackParameter = Type.Optional(Type.String({ maxLength: 4000 }));

export const providerSignInRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { identities, signInProviders } = deps.services;
  const signed = new SignedValues(deps.config.secretKey, deps.now, deps.config.secretKeyFallbacks);
  const buttons = signInProviders.enabled();

  const setAuthCookie = (request: FastifyRequest, reply: FastifyReply, name: string, value: string) =>
    reply.setCookie(name, value, { path: '/auth/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', maxAge: FLOW_MAX_AGE_MS / 1000 });
  const clearAuthCookie = (request: FastifyRequest, reply: FastifyReply, name: string) => {
    if (request.cookies[name] !== undefined) reply.clearCookie(name, { path: '/auth/', secure: request.protocol === 'https' });
  };
  const redirectUri = (request: FastifyRequest, provider: AuthProvider) => `${deps.origin(request)}/auth/${provider.name}/callback`;

  /** The configured provider, or the 404 page listing those there are. */
  const providerOr404 = (request: FastifyRequest, reply: FastifyReply, name: string): AuthProvider | undefined => {
    const provider = signInProviders.find(name);
    if (!provider) void sendHtml(reply, errorPage(deps.view(request), 404, 'This forum has no such sign-in provider.', enabledProvidersList(buttons)), 404);
    return provider;
  };

  /** Every failure ends on the login page, signed out, saying what happened. */
  const loginWithError = (request: FastifyRequest, reply: FastifyReply, error: string, status: number, next = '/') => {
    const view = deps.view(request, request.session ? undefined : presessionToken(request, reply, deps.presession));
    return sendHtml(reply, loginPage(view, { error, next, providers: buttons }), status);
  };

  const backToConfirm = (reply: FastifyReply, next: string, problem: ConfirmProblem) =>
    reply.redirect(`${CONFIRM_PATH}?next=${encodeURIComponent(next)}&problem=${problem}`, 303);

  const leaveForProvider = async (request: FastifyRequest, reply: FastifyReply, provider: AuthProvider, flow: Omit<Flow, keyof FlowChecks>) => {
    let start;
    try {
      // Confirming must prove the person is there now, not that the browser is still signed in at the provider.
      start = await signInProviders.start(provider, redirectUri(request, provider), flow.confirmFor !== undefined);
    } catch (error) {
      if (!(error instanceof ProviderSignInError)) throw error;
      request.log.warn({ err: error, provider: provider.name }, 'provider sign-in could not start');
      return loginWithError(request, reply, FAILURES[error.reason](provider.label), 503, flow.next);
    }
    setAuthCookie(request, reply, FLOW_COOKIE, signed.sign(FLOW_COOKIE, { ...flow, ...start.checks } satisfies Flow, FLOW_MAX_AGE_MS));
    return reply.redirect(start.url, 303);
  };

  app.get(
    '/auth/:provider/login',
    { config: { access: 'open' }, schema: { params: ProviderParams, querystring: Type.Object({ next: Next }, { additionalProperties: false }) } },
    async (request, reply) => {
      const provider = providerOr404(request, reply, request.params.provider);
      if (!provider) return reply;
      const next = safeNext(request.query.next);
      if (request.session) return reply.redirect(next, 303);
      return leaveForProvider(request, reply, provider, { provider: provider.name, next });
    },
  );

  app.post(
    '/auth/:provider/login',
    {
      config: { access: 'open' },
      schema: { params: ProviderParams, body: Type.Object({ purpose: Type.Optional(Type.Literal('confirm')), next: Next, _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const provider = providerOr404(request, reply, request.params.provider);
      if (!provider) return reply;
      if (!request.session) return reply.redirect(`/login?next=${encodeURIComponent(SETTINGS)}`, 303);
      const userId = request.session.user.id;
      if (request.body.purpose === 'confirm') return leaveForProvider(request, reply, provider, { provider: provider.name, next: safeNext(request.body.next), confirmFor: userId });
      // Linking adds a way in: the person proves it is them first.
      const ask = askToConfirmIfStale(request, reply, deps.now, SETTINGS);
      return ask ?? leaveForProvider(request, reply, provider, { provider: provider.name, next: SETTINGS, linkTo: userId });
    },
  );

  app.get(
    '/auth/:provider/callback',
    {
      config: { access: 'open' },
      schema: {
        params: ProviderParams,
        // openid-client reads the whole query from the URL; these are the ones the flow knows.
        querystring: Type.Object(
          { code: CallbackParameter, state: CallbackParameter, iss: CallbackParameter, error: CallbackParameter, error_description: CallbackParameter },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const provider = providerOr404(request, reply, request.params.provider);
      if (!provider) return reply;
      // Single use: whatever happens next, this browser's checks are spent.
      const flow = signed.verify(FLOW_COOKIE, request.cookies[FLOW_COOKIE]) as Flow | undefined;
      clearAuthCookie(request, reply, FLOW_COOKIE);
      if (!flow || flow.provider !== provider.name) return loginWithError(request, reply, FAILURES.expired(provider.label), 400);

      let profile: ProviderProfile;
      try {
        profile = await signInProviders.finish(provider, new URL(request.url, 'http://callback.invalid'), redirectUri(request, provider), flow);
      } catch (error) {
        if (!(error instanceof ProviderSignInError)) throw error;
        request.log.warn({ err: error, provider: provider.name }, 'provider sign-in failed');
        // A signed-in person confirming stays signed in: back to the confirm page, which says it did not work.
        if (flow.confirmFor !== undefined && request.session?.user.id === flow.confirmFor) return backToConfirm(reply, flow.next, 'provider-failed');
        return loginWithError(request, reply, FAILURES[error.reason](provider.label), error.reason === 'unavailable' ? 503 : 400, flow.next);
      }

      if (flow.confirmFor !== undefined) {
        // Only an identity of this very account confirms it.
        const session = request.session;
        if (session?.user.id !== flow.confirmFor) return loginWithError(request, reply, FAILURES.expired(provider.label), 400, CONFIRM_PATH);
        if ((await identities.userOf(profile))?.id !== flow.confirmFor) {
          return backToConfirm(reply, flow.next, 'other-account');
        }
        await confirmSession(request, reply, deps.services.sessions, false);
        return reply.redirect(flow.next, 303);
      }

      if (flow.linkTo !== undefined) {
        // Linking needs the same person still signed in.
        if (request.session?.user.id !== flow.linkTo) return loginWithError(request, reply, FAILURES.expired(provider.label), 400, SETTINGS);
        try {
          await identities.link(flow.linkTo, profile);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          return reply.redirect(`${SETTINGS}?problem=linked-elsewhere`, 303);
        }
        return reply.redirect(`${SETTINGS}?done=linked`, 303);
      }

      const outcome = await identities.signIn(profile);
      if (outcome.kind === 'email-in-use') {
        // Never linked on the address alone: the owner logs in, then links from settings.
        const message = `An account with the address ${profile.email} exists here: log in to it, then link ${provider.label} from your settings.`;
        return loginWithError(request, reply, message, 409, SETTINGS);
      }
      if (outcome.kind === 'choose-username') {
        setAuthCookie(request, reply, PENDING_COOKIE, signed.sign(PENDING_COOKIE, { profile, next: flow.next } satisfies Pending, FLOW_MAX_AGE_MS));
        return reply.redirect(`/auth/${provider.name}/username`, 303);
      }
      const refusal = signInRefusal(outcome.user, deps.now());
      if (refusal) return loginWithError(request, reply, refusal, 403);
      return deps.signIn.afterFirstStep(request, reply, outcome.user.id, flow.next);
    },
  );

  /** The identity waiting for a username, when it is this provider's. */
  const pendingFor = (request: FastifyRequest, provider: AuthProvider): Pending | undefined => {
    const pending = signed.verify(PENDING_COOKIE, request.cookies[PENDING_COOKIE]) as Pending | undefined;
    return pending?.profile.provider === provider.name ? pending : undefined;
  };

  app.get('/auth/:provider/username', { config: { access: 'open' }, schema: { params: ProviderParams } }, async (request, reply) => {
    const provider = providerOr404(request, reply, request.params.provider);
    if (!provider) return reply;
    const pending = pendingFor(request, provider);
    if (!pending) return loginWithError(request, reply, FAILURES.expired(provider.label), 400);
    const suggestion = proposeUsername(pending.profile);
    const errors = suggestion ? { username: `The name ${suggestion} is taken here. Choose another.` } : undefined;
    return sendHtml(reply, chooseUsernamePage(deps.view(request, presessionToken(request, reply, deps.presession)), { provider, username: suggestion, errors }));
  });

  app.post(
    '/auth/:provider/username',
    {
      config: { access: 'open', csrf: 'presession' },
      schema: { params: ProviderParams, body: Type.Object({ username: Type.String({ maxLength: 200 }), _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const provider = providerOr404(request, reply, request.params.provider);
      if (!provider) return reply;
      const pending = pendingFor(request, provider);
      if (!pending) return loginWithError(request, reply, FAILURES.expired(provider.label), 400);
      let userId: number;
      try {
        // A returning identity (a second tab finished first) signs in as itself.
        userId = (await identities.userOf(pending.profile))?.id ?? (await identities.createAccount(pending.profile, request.body.username)).id;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const view = deps.view(request, presessionToken(request, reply, deps.presession));
        return sendHtml(reply, chooseUsernamePage(view, { provider, username: request.body.username, errors: error.fields }), 400);
      }
      clearAuthCookie(request, reply, PENDING_COOKIE);
      return deps.signIn.afterFirstStep(request, reply, userId, pending.next);
    },
  );

  const settingsPage = async (request: FastifyRequest, reply: FastifyReply, o: { notice?: string; error?: string }, status = 200) => {
    const userId = currentUser(request).id;
    const [list, hasPassword, hasPasskey] = await Promise.all([identities.listForUser(userId), deps.services.accounts.hasPassword(userId), deps.services.passkeys.enrolled(userId)]);
    return sendHtml(reply, identitiesPage(deps.view(request), { identities: list, providers: buttons, hasPassword, hasPasskey, ...o }), status);
  };

  app.get(
    '/settings/identities',
    {
      config: { access: 'signed-in' },
      schema: {
        querystring: Type.Object(
          { done: Type.Optional(Type.Union([Type.Literal('linked'), Type.Literal('unlinked')])), problem: Type.Optional(Type.Literal('linked-elsewhere')) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const ask = askToConfirmIfStale(request, reply, deps.now, SETTINGS);
      if (ask) return ask;
      const { done, problem } = request.query;
      return settingsPage(request, reply, {
        notice: done === 'linked' ? 'The account was linked: you can sign in with it now.' : done === 'unlinked' ? 'The account was unlinked.' : undefined,
        error: problem ? 'That account is already linked to another account here: it was not linked to yours.' : undefined,
      });
    },
  );

  app.post(
    '/settings/identities/:id/unlink',
    { config: { access: 'signed-in' }, schema: { params: Type.Object({ id: RowId }, { additionalProperties: false }), body: CsrfOnlyBody } },
    async (request, reply) => {
      const ask = askToConfirmIfStale(request, reply, deps.now, SETTINGS);
      if (ask) return ask;
      try {
        await identities.unlink(currentUser(request).id, request.params.id);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return settingsPage(request, reply, { error: error.message }, 400);
      }
      return reply.redirect(`${SETTINGS}?done=unlinked`, 303);
    },
  );
};
