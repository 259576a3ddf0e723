// GET|POST /settings/security/phone/             the person's phone; POST texts a code to a new number
// POST     /settings/security/phone/verify/      the code back: the number is verified
// POST     /settings/security/phone/sign-in-codes/  sign-in codes by text on or off
// POST     /settings/security/phone/remove/      forget the phone
// POST     /login/two-step/sms/                  "Text me a code" on the second step
// POST     /settings/confirm/sms/                "Text me a code" when confirming it is you
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ValidationError } from '../../errors.js';
import { presessionToken } from '../../security/csrf.js';
import { sendTooManyRequests, waitInWords } from '../../security/too-many-requests.js';
import { currentUser } from '../../web/guards.js';
import { safeNext, sendHtml } from '../../web/respond.js';
import type { RouteDeps } from '../../web/route-deps.js';
import { CsrfField, CsrfOnlyBody } from '../../web/schemas.js';
import { loginPage } from '../views.js';
import { askToConfirmIfStale } from './recent-auth.js';
import { maskedNumber, PHONE_PATH, phonePage, type PhonePageOptions } from './phone-views.js';
import type { CodeCheck, SendOutcome } from './phones.js';
import { confirmPage, secondStepPage } from './views.js';
import { confirmWays, secondStepWays } from './ways.js';
import { confirmSession } from '../session-hooks.js';

const NOTICES = {
  sent: 'Code sent. Enter it below.',
  verified: 'Your phone is verified.',
  on: 'Sign-in codes by text are on: two-step sign-in is on.',
  off: 'Sign-in codes by text are off.',
  removed: 'Your phone is removed.',
} as const;
type Done = keyof typeof NOTICES;

const CODE_PROBLEMS: Record<Exclude<CodeCheck, 'right'>, string> = {
  wrong: 'That code is not right. Check the text message and try again.',
  expired: 'That code has expired: codes work for 10 minutes. Send a new one.',
  'too-many': 'Too many wrong tries at that code. Send a new one.',
  none: 'That code was already used, or no code was sent. Send a new one.',
};

const SEND_PROBLEMS: Record<Exclude<SendOutcome['kind'], 'sent'>, { status: number; message: string }> = {
  'bad-number': { status: 400, message: 'We could not text that number. Check it, or use another.' },
  'try-later': { status: 503, message: 'Text messages cannot be sent just now. Please try again in a few minutes.' },
  unavailable: { status: 404, message: 'This forum does not send text messages.' },
};

const Next = Type.Optional(Type.String({ maxLength: 2000 }));
const EXPIRED = 'Your sign-in took longer than 10 minutes, or was started in another browser. Please log in again.';

export const phoneRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { phones, sessions } = deps.services;
  const ask = (request: FastifyRequest, reply: FastifyReply) => askToConfirmIfStale(request, reply, deps.now, PHONE_PATH);

  /**
   * Texts a code through `send` unless the person (`userId`) or the number
   * had too many lately: each code costs money and buzzes someone's phone.
   */
  const textCode = async (userId: number, number: string, send: () => Promise<SendOutcome>) => {
    const waitMs = (await deps.limits.speed('smsCodeAccount', String(userId))) || (await deps.limits.speed('smsCodePhone', number));
    if (waitMs > 0) return { waitMs, status: 429, message: `Too many codes were sent lately. Try again in ${waitInWords(waitMs)}.` };
    const outcome = await send();
    return outcome.kind === 'sent' ? undefined : { waitMs: 0, ...SEND_PROBLEMS[outcome.kind] };
  };

  const settingsPage = async (request: FastifyRequest, extra: Partial<PhonePageOptions> = {}) => {
    const userId = currentUser(request).id;
    const [phone, pending] = await Promise.all([phones.phoneOf(userId), phones.pendingNumber(userId)]);
    return phonePage(deps.view(request), { available: phones.available, defaultCountry: phones.defaultCountry, phone, pending, ...extra });
  };

  app.get(
    '/settings/security/phone',
    {
      config: { access: 'signed-in' },
      schema: { querystring: Type.Object({ done: Type.Optional(Type.Union(Object.keys(NOTICES).map((k) => Type.Literal(k)))) }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const asked = ask(request, reply);
      if (asked) return asked;
      const done = request.query.done as Done | undefined;
      return sendHtml(reply, await settingsPage(request, { notice: done && NOTICES[done] }));
    },
  );

  app.post(
    '/settings/security/phone',
    { config: { access: 'signed-in' }, schema: { body: Type.Object({ phone: Type.String({ maxLength: 100 }), _csrf: CsrfField }, { additionalProperties: false }) } },
    async (request, reply) => {
      const asked = ask(request, reply);
      if (asked) return asked;
      const userId = currentUser(request).id;
      const typed = request.body.phone;
      let number: string;
      try {
        number = phones.parse(typed);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return sendHtml(reply, await settingsPage(request, { typed, errors: error.fields }), 400);
      }
      const problem = await textCode(userId, number, () => phones.sendVerificationCode(userId, number));
      if (!problem) return reply.redirect(`${PHONE_PATH}?done=sent`, 303);
      const body = await settingsPage(request, { typed, errors: { phone: problem.message } });
      if (problem.status === 429) return sendTooManyRequests(request, reply, problem.waitMs, problem.message, () => body);
      return sendHtml(reply, body, problem.status);
    },
  );

  app.post(
    '/settings/security/phone/verify',
    {
      config: { access: 'signed-in' },
      schema: { body: Type.Object({ code: Type.String({ maxLength: 100 }), sign_in_codes: Type.Optional(Type.Literal('on')), _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const asked = ask(request, reply);
      if (asked) return asked;
      const signInCodes = request.body.sign_in_codes === 'on' && phones.available;
      const result = await phones.verify(currentUser(request).id, request.body.code, signInCodes);
      if (result !== 'right') return sendHtml(reply, await settingsPage(request, { errors: { code: CODE_PROBLEMS[result] } }), 400);
      // A code from the phone just came back: with sign-in codes on, that was a second step.
      if (signInCodes) await confirmSession(request, reply, sessions, true);
      return reply.redirect(`${PHONE_PATH}?done=${signInCodes ? 'on' : 'verified'}`, 303);
    },
  );

  app.post(
    '/settings/security/phone/sign-in-codes',
    {
      config: { access: 'signed-in' },
      schema: { body: Type.Object({ on: Type.Union([Type.Literal('true'), Type.Literal('false')]), _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      const asked = ask(request, reply);
      if (asked) return asked;
      const on = request.body.on === 'true';
      // Codes that cannot be sent are not offered as a way in.
      if (on && !phones.available) return sendHtml(reply, await settingsPage(request), 404);
      if (!(await phones.setSignInCodes(currentUser(request).id, on))) return reply.redirect(PHONE_PATH, 303);
      if (on) await confirmSession(request, reply, sessions, true);
      return reply.redirect(`${PHONE_PATH}?done=${on ? 'on' : 'off'}`, 303);
    },
  );

  app.post('/settings/security/phone/remove', { config: { access: 'signed-in' }, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    const asked = ask(request, reply);
    if (asked) return asked;
    await phones.remove(currentUser(request).id);
    return reply.redirect(`${PHONE_PATH}?done=removed`, 303);
  });

  const SendBody = Type.Object({ next: Next, _csrf: CsrfField }, { additionalProperties: false });

  /** Texts a sign-in code to the person's verified phone: undefined when sent, else what went wrong. */
  const textSignInCode = async (userId: number) => {
    const phone = await phones.phoneOf(userId);
    if (!phone?.signInCodes) return { waitMs: 0, status: 400, message: 'Your account gets no sign-in codes by text.' };
    const problem = await textCode(userId, phone.number, () => phones.sendSignInCode(userId, phone.number));
    return problem ?? { notice: `We texted a code to your phone ${maskedNumber(phone.number)}. It works once, for 10 minutes.` };
  };

  app.post('/login/two-step/sms', { config: { access: 'open', csrf: 'presession' }, schema: { body: SendBody } }, async (request, reply) => {
    const view = deps.view(request, presessionToken(request, reply, deps.presession));
    const pending = deps.signIn.pending(request);
    if (!pending) return sendHtml(reply, loginPage(view, { error: EXPIRED, next: safeNext(request.body.next), providers: deps.services.signInProviders.enabled() }), 400);
    const [outcome, ways] = await Promise.all([textSignInCode(pending.userId), secondStepWays(deps.services, pending.userId)]);
    if ('notice' in outcome) return sendHtml(reply, secondStepPage(view, { ...ways, next: pending.next, notice: outcome.notice }));
    const body = () => secondStepPage(view, { ...ways, next: pending.next, error: { method: 'sms', message: outcome.message } });
    if (outcome.status === 429) return sendTooManyRequests(request, reply, outcome.waitMs, outcome.message, body);
    return sendHtml(reply, body(), outcome.status);
  });

  app.post('/settings/confirm/sms', { config: { access: 'signed-in' }, schema: { body: SendBody } }, async (request, reply) => {
    const userId = currentUser(request).id;
    const next = safeNext(request.body.next);
    const [outcome, ways] = await Promise.all([textSignInCode(userId), confirmWays(deps.services, userId)]);
    const view = deps.view(request);
    if ('notice' in outcome) return sendHtml(reply, confirmPage(view, { ...ways, next, notice: outcome.notice }));
    const body = () => confirmPage(view, { ...ways, next, error: { method: 'sms', message: outcome.message } });
    if (outcome.status === 429) return sendTooManyRequests(request, reply, outcome.waitMs, outcome.message, body);
    return sendHtml(reply, body(), outcome.status);
  });
};
