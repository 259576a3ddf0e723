// Changing how one signs in (password, passkeys, two-step, linked providers),
// the e-mail address, or deleting the account asks the person to prove who
// they are again when they last did so more than 10 minutes ago: a session
// left open on a shared computer must not be enough to take the account.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../errors.js';

export const CONFIRM_WINDOW_MS = 10 * 60_000;
export const CONFIRM_PATH = '/settings/confirm/';

/** Why confirming with a provider did not work, as the provider's callback sends it back to CONFIRM_PATH. */
export const CONFIRM_PROBLEMS = {
  'other-account': 'That account at the provider is not linked to yours here: sign in there as yourself, and try again.',
  'provider-failed': 'The provider did not confirm who you are (cancelled, expired, or not answering). Try again, or another way.',
} as const;
export type ConfirmProblem = keyof typeof CONFIRM_PROBLEMS;

/**
 * Undefined when the signed-in person proved who they are in the last 10
 * minutes; otherwise the redirect to confirm, coming back to `next` (a
 * form's page: a POST is not replayed, the person sends it again).
 */
export function askToConfirmIfStale(request: FastifyRequest, reply: FastifyReply, now: Clock, next: string): FastifyReply | undefined {
  const session = request.session;
  if (!session) throw new Error('askToConfirmIfStale() on a route open to visitors');
  if (now() - session.authenticatedAt <= CONFIRM_WINDOW_MS) return undefined;
  return reply.redirect(`${CONFIRM_PATH}?next=${encodeURIComponent(next)}`, 303);
}
