// What the second-step and confirm pages offer a person, read in one place
// for every route that renders them (the code forms, passkeys, "Text me a code").
import type { Services } from '../../services.js';

type WaysServices = Pick<Services, 'twoStep' | 'passkeys' | 'accounts' | 'identities' | 'signInProviders'>;

/** The second step: their code factors, and a passkey when they have one. */
export async function secondStepWays(services: WaysServices, userId: number) {
  const [methods, hasPasskey] = await Promise.all([services.twoStep.methodsFor(userId), services.passkeys.enrolled(userId)]);
  return { methods, hasPasskey };
}

/** Confirming it is them: password, passkey, code factors, and "Confirm with …" for linked providers still configured here. */
export async function confirmWays(services: WaysServices, userId: number) {
  const [hasPassword, ways, linked] = await Promise.all([services.accounts.hasPassword(userId), secondStepWays(services, userId), services.identities.listForUser(userId)]);
  const providers = services.signInProviders.enabled().filter((p) => linked.some((i) => i.provider === p.name));
  return { hasPassword, ...ways, providers };
}
