// GET|POST /settings/security/authenticator/           set up an authenticator app (QR code, then a code turns it on)
// POST     /settings/security/authenticator/disable/   turn it off
// GET|POST /settings/security/recovery-codes/          how many are left; new ones (the old ones void)
// Each asks the person to confirm it is them first when their last proof is
// older than 10 minutes (recent-auth.ts), on the page and on the post.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import QRCode from 'qrcode';
import { currentUser } from '../../web/guards.js';
import { sendHtml } from '../../web/respond.js';
import type { RouteDeps } from '../../web/route-deps.js';
import { CsrfField, CsrfOnlyBody } from '../../web/schemas.js';
import { askToConfirmIfStale } from './recent-auth.js';
import { AUTHENTICATOR_PATH, authenticatorOnPage, authenticatorSetupPage, RECOVERY_CODES_PATH, recoveryCodesPage } from './totp-views.js';
import { confirmSession } from '../session-hooks.js';

const WRONG_CODE = 'That code is not right. Check the time on your phone, and type the newest code.';

export const totpRoutes: FastifyPluginAsync<RouteDeps> = async (root, deps) => {
  const app = root.withTypeProvider<TypeBoxTypeProvider>();
  const { totp, recoveryCodes, sessions, twoStep } = deps.services;
  const signedIn = { config: { access: 'signed-in' as const } };

  const setupPage = async (userId: number, username: string) => {
    const setup = await totp.setup(userId, username);
    return setup && { setup, qrSvg: await QRCode.toString(setup.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 }) };
  };

  app.get('/settings/security/authenticator', signedIn, async (request, reply) => {
    const ask = askToConfirmIfStale(request, reply, deps.now, AUTHENTICATOR_PATH);
    if (ask) return ask;
    const user = currentUser(request);
    const setup = await setupPage(user.id, user.username);
    return sendHtml(reply, setup ? authenticatorSetupPage(deps.view(request), setup) : authenticatorOnPage(deps.view(request)));
  });

  app.post(
    '/settings/security/authenticator',
    { ...signedIn, schema: { body: Type.Object({ code: Type.String({ maxLength: 20 }), _csrf: CsrfField }, { additionalProperties: false }) } },
    async (request, reply) => {
      const ask = askToConfirmIfStale(request, reply, deps.now, AUTHENTICATOR_PATH);
      if (ask) return ask;
      const user = currentUser(request);
      if (!(await totp.confirm(user.id, request.body.code.replace(/[\s-]/g, '')))) {
        const setup = await setupPage(user.id, user.username);
        // Already on (a second tab confirmed it): nothing left to set up.
        if (!setup) return reply.redirect(AUTHENTICATOR_PATH, 303);
        return sendHtml(reply, authenticatorSetupPage(deps.view(request), { ...setup, error: WRONG_CODE }), 400);
      }
      // A code from the app is a second step: staff rights waiting for one apply now.
      await confirmSession(request, reply, sessions, true);
      const codes = await recoveryCodes.replace(user.id);
      return sendHtml(reply, recoveryCodesPage(deps.view(request), { codes, left: codes.length, twoStepOn: true, justTurnedOn: true }));
    },
  );

  app.post('/settings/security/authenticator/disable', { ...signedIn, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    const ask = askToConfirmIfStale(request, reply, deps.now, AUTHENTICATOR_PATH);
    if (ask) return ask;
    await totp.disable(currentUser(request).id);
    return reply.redirect('/settings/security/', 303);
  });

  app.get('/settings/security/recovery-codes', signedIn, async (request, reply) => {
    const ask = askToConfirmIfStale(request, reply, deps.now, RECOVERY_CODES_PATH);
    if (ask) return ask;
    const userId = currentUser(request).id;
    const [left, methods] = await Promise.all([recoveryCodes.left(userId), twoStep.methodsFor(userId)]);
    return sendHtml(reply, recoveryCodesPage(deps.view(request), { left, twoStepOn: methods.length > 0 }));
  });

  app.post('/settings/security/recovery-codes', { ...signedIn, schema: { body: CsrfOnlyBody } }, async (request, reply) => {
    const ask = askToConfirmIfStale(request, reply, deps.now, RECOVERY_CODES_PATH);
    if (ask) return ask;
    const userId = currentUser(request).id;
    if ((await twoStep.methodsFor(userId)).length === 0) return reply.redirect(RECOVERY_CODES_PATH, 303);
    const codes = await recoveryCodes.replace(userId);
    return sendHtml(reply, recoveryCodesPage(deps.view(request), { codes, left: codes.length, twoStepOn: true }));
  });
};
