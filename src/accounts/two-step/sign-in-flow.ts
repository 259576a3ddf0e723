// Every way in ends here. After the first step (password, provider) a person
// with two-step sign-in on is not signed in yet: the browser carries a
// signed, 10-minute "pending" cookie to /login/two-step/, and the session
// (a new id, never the one the browser came with) begins only after the
// second step. Passkeys are both steps at once.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PRESESSION_COOKIE } from '../../security/csrf.js';
import type { SignedValues } from '../../security/signed-values.js';
import type { SessionStore } from '../sessions.js';
import { startFreshSession } from '../session-hooks.js';
import type { TwoStep } from './factors.js';

const PENDING_COOKIE = 'two_step';
/** Path of the second step's pages: the cookie goes nowhere else. */
export const TWO_STEP_PATH = '/login/two-step/';
const PENDING_MAX_AGE_MS = 10 * 60_000;

/** Someone past the first step, on their way through the second. */
export interface PendingSignIn {
  userId: number;
  next: string;
}

export class SignInFlow {
  constructor(
    private readonly signed: SignedValues,
    private readonly sessions: SessionStore,
    private readonly twoStep: TwoStep,
  ) {}

  /** The password or provider step succeeded: signed in, or on to the second step. */
  async afterFirstStep(request: FastifyRequest, reply: FastifyReply, userId: number, next: string): Promise<FastifyReply> {
    if ((await this.twoStep.methodsFor(userId)).length === 0) return this.signIn(request, reply, userId, next, false);
    // Lax: after a provider's cross-site redirect the browser must still send it to the next page.
    reply.setCookie(PENDING_COOKIE, this.signed.sign(PENDING_COOKIE, { userId, next } satisfies PendingSignIn, PENDING_MAX_AGE_MS), {
      path: TWO_STEP_PATH,
      httpOnly: true,
      sameSite: 'lax',
      secure: request.protocol === 'https',
      maxAge: PENDING_MAX_AGE_MS / 1000,
    });
    return reply.redirect(TWO_STEP_PATH, 303);
  }

  /** Who is between the steps in this browser, if anyone. */
  pending(request: FastifyRequest): PendingSignIn | undefined {
    return this.signed.verify(PENDING_COOKIE, request.cookies[PENDING_COOKIE]) as PendingSignIn | undefined;
  }

  /** Signs in on a fresh session and goes on to `next`; `secondStep` when a second factor (or a passkey) was used. */
  async signIn(request: FastifyRequest, reply: FastifyReply, userId: number, next: string, secondStep: boolean): Promise<FastifyReply> {
    await startFreshSession(request, reply, this.sessions, userId, secondStep);
    reply.clearCookie(PRESESSION_COOKIE, { path: '/' });
    if (request.cookies[PENDING_COOKIE] !== undefined) reply.clearCookie(PENDING_COOKIE, { path: TWO_STEP_PATH, secure: request.protocol === 'https' });
    return reply.redirect(next, 303);
  }
}
