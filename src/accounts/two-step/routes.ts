// GET|POST /login/two-step/      the second step, between the first one and the session
// GET|POST /settings/confirm/    proving who one is again before a sensitive change (recent-auth.ts)
// GET      /settings/security/   password, passkeys, two-step sign-in, recovery codes
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { presessionToken } from '../../security/csrf.js';
import { sendTooManyRequests, waitInWords } from '../../security/too-many-requests.js';
import { currentUser } from '../../web/guards.js';
import { safeNext, sendHtml } from '../../web/respond.js';
import type { RouteDeps } from '../../web/route-deps.js';
import { CsrfField } from '../../web/schemas.js';
import type { FactorKind } from './factors.js';
import { loginPage } from '../views.js';
import { CONFIRM_PROBLEMS, type ConfirmProblem } from './recent-auth.js';
import { confirmPage, secondStepPage, securityPage } from './views.js';
import { confirmWays, secondStepWays } from './ways.js';
import { confirmSession } from '../session-hooks.js';

const Next = Type.Optional(Type.String({ maxLength: 2000 }));
const CodeMethod = Type.Union([Type.Literal('totp'), Type.Literal('sms'), Type.Literal('recovery')]);
const Code = Type.String({ maxLength: 100 });
const EXPIRED = 'Your sign-in took longer than 10 minutes, or was started in another browser. Please log in again.';
const WRONG_CODE = 'That code is not right, or was already used. Try again.';

/**
 * A guess at someone's second step or password is counted like a failed
 * log-in, per account and per address (security/login-throttle.ts): the
 * account key is `#<id>`, which no username can be.
 */
const throttleKey = (userId: number) => `#${userId}`;

export const twoStepRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { twoStep, accounts, sessions, passkeys } = deps.services;

  const providers = deps.services.signInProviders.enabled();
  const visitorView = (request: FastifyRequest, reply: FastifyReply) => deps.view(request, presessionToken(request, reply, deps.presession));
  app.get('/login/two-step', { config: { access: 'open' } }, async (request, reply) => {
    if (request.session) return reply.redirect('/', 303);
    const pending = deps.signIn.pending(request);
    if (!pending) return reply.redirect('/login', 303);
    return sendHtml(reply, secondStepPage(visitorView(request, reply), { ...(await secondStepWays(deps.services, pending.userId)), next: pending.next }));
  });

  app.post(
    '/login/two-step',
    {
      config: { access: 'open', csrf: 'presession' },
      schema: { body: Type.Object({ method: CodeMethod, code: Code, next: Next, _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const pending = deps.signIn.pending(request);
      if (!pending) return sendHtml(reply, loginPage(visitorView(request, reply), { error: EXPIRED, next: safeNext(request.body.next), providers }), 400);
      const { method, code } = request.body;
      const outcome = await deps.limits.login.attempt(request.ip, throttleKey(pending.userId), async () => ((await twoStep.check(pending.userId, method, code)) ? true : null));
      if (outcome.kind === 'signed-in') return deps.signIn.signIn(request, reply, pending.userId, pending.next, true);
      const ways = await secondStepWays(deps.services, pending.userId);
      const view = visitorView(request, reply);
      if (outcome.kind === 'locked') {
        const message = `Too many wrong codes. Try again in ${waitInWords(outcome.retryAfterMs)}.`;
        return sendTooManyRequests(request, reply, outcome.retryAfterMs, message, () => secondStepPage(view, { ...ways, next: pending.next, error: { method, message } }));
      }
      return sendHtml(reply, secondStepPage(view, { ...ways, next: pending.next, error: { method, message: WRONG_CODE } }), 400);
    },
  );

  const confirmView = async (request: FastifyRequest, next: string, error?: { method: FactorKind | 'password' | 'provider'; message: string }) =>
    confirmPage(deps.view(request), { ...(await confirmWays(deps.services, currentUser(request).id)), next, error });

  app.get(
    '/settings/confirm',
    {
      config: { access: 'signed-in' },
      schema: {
        querystring: Type.Object(
          { next: Next, problem: Type.Optional(Type.Union(Object.keys(CONFIRM_PROBLEMS).map((k) => Type.Literal(k as ConfirmProblem)))) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { problem } = request.query;
      const error = problem && { method: 'provider' as const, message: CONFIRM_PROBLEMS[problem] };
      return sendHtml(reply, await confirmView(request, safeNext(request.query.next), error));
    },
  );

  app.post(
    '/settings/confirm',
    {
      config: { access: 'signed-in' },
      schema: {
        body: Type.Object(
          { method: Type.Union([Type.Literal('password'), CodeMethod]), password: Type.Optional(Type.String({ maxLength: 1000 })), code: Type.Optional(Code), next: Next, _csrf: CsrfField },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const { method, password = '', code = '' } = request.body;
      const next = safeNext(request.body.next);
      const verify = async () => {
        const right = method === 'password' ? (await accounts.authenticate(user.username, password)) !== null : await twoStep.check(user.id, method, code);
        return right ? true : null;
      };
      const outcome = await deps.limits.login.attempt(request.ip, throttleKey(user.id), verify);
      if (outcome.kind === 'signed-in') {
        await confirmSession(request, reply, sessions, method !== 'password');
        return reply.redirect(next, 303);
      }
      if (outcome.kind === 'locked') {
        const message = `Too many wrong tries. Try again in ${waitInWords(outcome.retryAfterMs)}.`;
        const body = await confirmView(request, next, { method, message });
        return sendTooManyRequests(request, reply, outcome.retryAfterMs, message, () => body);
      }
      const message = method === 'password' ? 'That is not your password.' : WRONG_CODE;
      return sendHtml(reply, await confirmView(request, next, { method, message }), 400);
    },
  );

  app.get('/settings/security', { config: { access: 'signed-in' } }, async (request, reply) => {
    const userId = currentUser(request).id;
    const [hasPassword, methods, recoveryLeft, passkeyList, phone] = await Promise.all([
      accounts.hasPassword(userId),
      twoStep.methodsFor(userId),
      deps.services.recoveryCodes.left(userId),
      passkeys.list(userId),
      deps.services.phones.phoneOf(userId),
    ]);
    const phoneState = { available: deps.services.phones.available, phone };
    return sendHtml(reply, securityPage(deps.view(request), { hasPassword, methods, recoveryLeft, passkeys: passkeyList, phone: phoneState }));
  });
};
