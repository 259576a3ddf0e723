// Passkeys, each ceremony in two fetches from the client script: `…/options`
// (the challenge, kept in a signed, 5-minute, HttpOnly cookie) then the
// device's answer. A right answer is answered with the redirect a form would
// get (the script follows it); a wrong one with `{ error }`.
// POST /settings/security/passkeys[/options]    add one (re-auth first)
// POST /settings/security/passkeys/:id/rename   plain form
// POST /settings/security/passkeys/:id/delete   plain form (re-auth first)
// POST /login/passkey[/options]                 sign in, both steps at once
// POST /login/two-step/passkey[/options]        the second step
// POST /settings/confirm/passkey[/options]      confirming it is you again
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { User } from '../../db/schema.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { SignedValues } from '../../security/signed-values.js';
import { errorPage } from '../../web/error-page.js';
import { html } from '../../web/html.js';
import { currentUser } from '../../web/guards.js';
import { safeNext, sendHtml } from '../../web/respond.js';
import type { RouteDeps } from '../../web/route-deps.js';
import { CsrfField, CsrfOnlyBody, IdParams } from '../../web/schemas.js';
import { describeDevice } from '../devices.js';
import { PASSKEY_CHALLENGE_MS, type RelyingParty } from '../passkeys.js';
import { signInRefusal } from '../service.js';
import { askToConfirmIfStale } from './recent-auth.js';
import { TWO_STEP_PATH } from './sign-in-flow.js';
import { confirmSession } from '../session-hooks.js';

const SECURITY_PATH = '/settings/security/';
const CHALLENGE_COOKIE = 'passkey_challenge';
const EXPIRED = 'This took longer than 5 minutes, or was started in another tab. Try again.';
const PENDING_EXPIRED = 'Your sign-in took longer than 10 minutes, or was started in another browser. Please log in again.';

// The browser's answers, as @simplewebauthn/browser sends them (base64url strings).
const B64 = Type.String({ maxLength: 16_384, pattern: '^[A-Za-z0-9_-]*$' });
const Extensions = Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { maxProperties: 20 });
const Attachment = Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')]));
const credentialFields = { id: B64, rawId: B64, type: Type.Literal('public-key'), authenticatorAttachment: Attachment, clientExtensionResults: Extensions };
const RegistrationCredential = Type.Object(
  {
    ...credentialFields,
    response: Type.Object(
      {
        clientDataJSON: B64,
        attestationObject: B64,
        authenticatorData: Type.Optional(B64),
        transports: Type.Optional(Type.Array(Type.String({ maxLength: 30 }), { maxItems: 10 })),
        publicKeyAlgorithm: Type.Optional(Type.Integer()),
        publicKey: Type.Optional(B64),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const AuthenticationCredential = Type.Object(
  {
    ...credentialFields,
    response: Type.Object({ clientDataJSON: B64, authenticatorData: B64, signature: B64, userHandle: Type.Optional(B64) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
const Next = Type.Optional(Type.String({ maxLength: 2000 }));
const AuthenticationBody = Type.Object({ credential: AuthenticationCredential, next: Next, _csrf: CsrfField }, { additionalProperties: false });
type AuthenticationAnswer = Static<typeof AuthenticationCredential>;

type Ceremony = 'register' | 'sign-in' | 'second-step' | 'confirm';
/** What the challenge cookie holds: the challenge, and whose ceremony it is (none for signing in). */
interface Challenge {
  challenge: string;
  userId?: number;
}

export const passkeyRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { passkeys, sessions } = deps.services;
  const signed = new SignedValues(deps.config.secretKey, deps.now);

  /** The relying party: the site's host (BASE_URL's, else the request's) and origin. */
  const relyingParty = (request: FastifyRequest): RelyingParty => {
    const origin = deps.origin(request);
    return { id: new URL(origin).hostname, origin, name: 'Charcha' };
  };

  /** Sends the options, with their challenge in a cookie signed for this ceremony. */
  const sendOptions = (request: FastifyRequest, reply: FastifyReply, ceremony: Ceremony, options: { challenge: string }, userId?: number) => {
    const value: Challenge = { challenge: options.challenge, userId };
    reply.setCookie(CHALLENGE_COOKIE, signed.sign(`passkey-${ceremony}`, value, PASSKEY_CHALLENGE_MS), {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
      maxAge: PASSKEY_CHALLENGE_MS / 1000,
    });
    return reply.send(options);
  };

  /** The challenge this browser was given for `ceremony` (and for `userId`, when given); the cookie goes either way. */
  const takeChallenge = (request: FastifyRequest, reply: FastifyReply, ceremony: Ceremony, userId?: number): string | undefined => {
    const value = signed.verify(`passkey-${ceremony}`, request.cookies[CHALLENGE_COOKIE]) as Challenge | undefined;
    if (request.cookies[CHALLENGE_COOKIE] !== undefined) reply.clearCookie(CHALLENGE_COOKIE, { path: '/', secure: request.protocol === 'https' });
    return value && value.userId === userId ? value.challenge : undefined;
  };

  const refuse = (reply: FastifyReply, error: string, status = 400) => reply.code(status).send({ error });

  /** The person the answer proves (one of `userId`'s passkeys when given), or undefined once the refusal is sent. */
  const authenticate = async (request: FastifyRequest, reply: FastifyReply, ceremony: Ceremony, credential: AuthenticationAnswer, userId?: number): Promise<User | undefined> => {
    const challenge = takeChallenge(request, reply, ceremony, userId);
    if (!challenge) {
      refuse(reply, EXPIRED);
      return undefined;
    }
    try {
      return await passkeys.authenticate(credential, challenge, relyingParty(request), userId);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      refuse(reply, error.message);
      return undefined;
    }
  };

  // Adding, renaming and removing, from /settings/security/.
  app.post('/settings/security/passkeys/options', { config: { access: 'signed-in' }, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    const ask = askToConfirmIfStale(request, reply, deps.now, SECURITY_PATH);
    if (ask) return ask;
    const user = currentUser(request);
    return sendOptions(request, reply, 'register', await passkeys.registrationOptions(user, relyingParty(request)), user.id);
  });

  app.post(
    '/settings/security/passkeys',
    {
      config: { access: 'signed-in' },
      schema: {
        body: Type.Object(
          { credential: RegistrationCredential, name: Type.Optional(Type.String({ maxLength: 200 })), next: Next, _csrf: CsrfField },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const ask = askToConfirmIfStale(request, reply, deps.now, SECURITY_PATH);
      if (ask) return ask;
      const user = currentUser(request);
      const challenge = takeChallenge(request, reply, 'register', user.id);
      if (!challenge) return refuse(reply, EXPIRED);
      const name = request.body.name?.trim() || describeDevice(request.headers['user-agent'] ?? '');
      try {
        await passkeys.register(user.id, request.body.credential, challenge, relyingParty(request), name);
      } catch (error) {
        if (error instanceof ValidationError) return refuse(reply, error.message);
        throw error;
      }
      return reply.redirect(SECURITY_PATH, 303);
    },
  );

  app.post(
    '/settings/security/passkeys/:id/rename',
    {
      config: { access: 'signed-in' },
      schema: { params: IdParams, body: Type.Object({ name: Type.String({ maxLength: 200 }), _csrf: CsrfField }, { additionalProperties: false }) },
    },
    async (request, reply) => {
      await passkeys.rename(currentUser(request).id, request.params.id, request.body.name);
      return reply.redirect(SECURITY_PATH, 303);
    },
  );

  app.post('/settings/security/passkeys/:id/delete', { config: { access: 'signed-in' }, schema: { params: IdParams, body: CsrfOnlyBody } }, async (request, reply) => {
    const ask = askToConfirmIfStale(request, reply, deps.now, SECURITY_PATH);
    if (ask) return ask;
    try {
      await passkeys.remove(currentUser(request).id, request.params.id);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const back = html`<p>Nothing was removed. <a href="${SECURITY_PATH}">Back to your security settings</a></p>`;
      return sendHtml(reply, errorPage(deps.view(request), 400, error.message, back), 400);
    }
    return reply.redirect(SECURITY_PATH, 303);
  });

  // Signing in: a passkey is both steps.
  app.post('/login/passkey/options', { config: { access: 'open', csrf: 'presession' }, schema: { body: CsrfOnlyBody } }, async (request, reply) =>
    sendOptions(request, reply, 'sign-in', await passkeys.authenticationOptions(relyingParty(request))),
  );

  app.post('/login/passkey', { config: { access: 'open', csrf: 'presession', speedLimit: 'passkey' }, schema: { body: AuthenticationBody } }, async (request, reply) => {
    const user = await authenticate(request, reply, 'sign-in', request.body.credential);
    if (!user) return reply;
    const refusal = signInRefusal(user, deps.now());
    if (refusal) return refuse(reply, refusal, 403);
    return deps.signIn.signIn(request, reply, user.id, safeNext(request.body.next), true);
  });

  // The second step, for someone past the password or a provider (the pending cookie's path is TWO_STEP_PATH).
  app.post(`${TWO_STEP_PATH}passkey/options`, { config: { access: 'open', csrf: 'presession' }, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    const pending = deps.signIn.pending(request);
    if (!pending) return refuse(reply, PENDING_EXPIRED);
    return sendOptions(request, reply, 'second-step', await passkeys.authenticationOptions(relyingParty(request), pending.userId), pending.userId);
  });

  app.post(`${TWO_STEP_PATH}passkey`, { config: { access: 'open', csrf: 'presession', speedLimit: 'passkey' }, schema: { body: AuthenticationBody } }, async (request, reply) => {
    const pending = deps.signIn.pending(request);
    if (!pending) return refuse(reply, PENDING_EXPIRED);
    const user = await authenticate(request, reply, 'second-step', request.body.credential, pending.userId);
    if (!user) return reply;
    return deps.signIn.signIn(request, reply, user.id, pending.next, true);
  });

  // Confirming it is you again: a passkey is a second factor.
  app.post('/settings/confirm/passkey/options', { config: { access: 'signed-in' }, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    const userId = currentUser(request).id;
    if (!(await passkeys.enrolled(userId))) throw new NotFoundError('You have no passkeys');
    return sendOptions(request, reply, 'confirm', await passkeys.authenticationOptions(relyingParty(request), userId), userId);
  });

  app.post('/settings/confirm/passkey', { config: { access: 'signed-in' }, schema: { body: AuthenticationBody } }, async (request, reply) => {
    const user = await authenticate(request, reply, 'confirm', request.body.credential, currentUser(request).id);
    if (!user) return reply;
    await confirmSession(request, reply, sessions, true);
    return reply.redirect(safeNext(request.body.next), 303);
  });
};
