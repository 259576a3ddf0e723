// Passkeys (WebAuthn, checked by @simplewebauthn/server): a person registers
// the credentials their devices make for this site, then signs in with one
// without a password, passes the second step with one, or confirms it is
// them before a sensitive change. The relying party (the site's host and
// origin) comes from the route: this service knows nothing of HTTP.
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import type { DialectName } from '../db/database.js';
import type { Database, Passkey, User } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { NotFoundError, ValidationError, type Clock } from '../errors.js';
import type { SecondFactor } from './two-step/factors.js';
import { countWaysIn, lockedWaysIn } from './ways-in.js';

/** The site as the browser and authenticator see it: the host (RP id) and the origin a ceremony must come from. */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

/** How long a person has to answer their device's prompt; the signed challenge lives as long. */
export const PASSKEY_CHALLENGE_MS = 5 * 60_000;
export const PASSKEY_NAME_MAX = 60;

const NOT_ACCEPTED = 'Your device’s answer could not be checked. Try again.';
const UNKNOWN = 'That passkey is not registered here, or was removed.';
const SPENT = 'That request was already used or has expired. Try again.';

/**
 * The user handle an authenticator keeps beside a discoverable credential:
 * the account's id. Not personal data, and the same for every passkey of an
 * account, so a device re-registering replaces its own credential.
 */
/**
 * The library loads at the first passkey ceremony, not at start: with its
 * ASN.1 and X.509 dependencies it adds about 1.5 s to every process start
 * (the server, each CLI command), most of which never sees a passkey.
 */
const webauthn = () => import('@simplewebauthn/server');

const userHandle = (userId: number) => new TextEncoder().encode(String(userId));
const transportsOf = (p: Passkey) => (p.transports ? p.transports.split(',') : undefined);

export class PasskeyService implements SecondFactor {
  readonly kind = 'passkey';

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    private readonly now: Clock,
  ) {}

  async enrolled(userId: number): Promise<boolean> {
    const row = await this.db.selectFrom('passkeys').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async list(userId: number): Promise<Passkey[]> {
    return this.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  }

  /** What the browser needs to make a new passkey; its `challenge` must come back with the answer. */
  async registrationOptions(user: Pick<User, 'id' | 'username'>, rp: RelyingParty): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.list(user.id);
    return (await webauthn()).generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: user.username,
      userID: userHandle(user.id),
      timeout: PASSKEY_CHALLENGE_MS,
      attestationType: 'none',
      // The same device twice would only be a duplicate.
      excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: transportsOf(p) })),
      // Discoverable: signing in needs no username.
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
  }

  /** Checks the new credential against the challenge (spent here, once) and keeps it. */
  async register(userId: number, response: RegistrationResponseJSON, challenge: string, rp: RelyingParty, name: string): Promise<Passkey> {
    await this.#spend(challenge);
    const verification = await (await webauthn()).verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // Signing in without a password asks for it (authenticate); a key without a PIN may still serve as a second step.
      requireUserVerification: false,
    }).catch(() => ({ verified: false as const }));
    if (!verification.verified) throw new ValidationError({ passkey: NOT_ACCEPTED });
    const { credential } = verification.registrationInfo;
    try {
      return await this.db
        .insertInto('passkeys')
        .values({
          user_id: userId,
          credential_id: credential.id,
          public_key: Buffer.from(credential.publicKey).toString('base64url'),
          counter: credential.counter,
          transports: (response.response.transports ?? []).join(','),
          name: cleanName(name),
          created_at: this.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      // The unique credential id: registered already, here or on another account.
      if (await this.db.selectFrom('passkeys').select('id').where('credential_id', '=', credential.id).executeTakeFirst()) {
        throw new ValidationError({ passkey: 'This passkey is registered already.' });
      }
      throw error;
    }
  }

  /**
   * What the browser needs to sign in with a passkey: any of this site's
   * (discoverable, user verification required: a passkey alone is both
   * steps), or one of `userId`'s (a second step, or confirming again).
   */
  async authenticationOptions(rp: RelyingParty, userId?: number): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allowCredentials = userId === undefined ? undefined : (await this.list(userId)).map((p) => ({ id: p.credential_id, transports: transportsOf(p) }));
    return (await webauthn()).generateAuthenticationOptions({
      rpID: rp.id,
      timeout: PASSKEY_CHALLENGE_MS,
      allowCredentials,
      userVerification: userId === undefined ? 'required' : 'preferred',
    });
  }

  /**
   * The account a signed answer to `challenge` (spent here, once) proves:
   * one of `userId`'s passkeys when given, else any, with user verification.
   */
  async authenticate(response: AuthenticationResponseJSON, challenge: string, rp: RelyingParty, userId?: number): Promise<User> {
    await this.#spend(challenge);
    const passkey = await this.db.selectFrom('passkeys').selectAll().where('credential_id', '=', response.id).executeTakeFirst();
    const handle = response.response.userHandle;
    if (
      !passkey ||
      (userId !== undefined && passkey.user_id !== userId) ||
      (handle !== undefined && Buffer.from(handle, 'base64url').toString('utf8') !== String(passkey.user_id))
    ) {
      throw new ValidationError({ passkey: UNKNOWN });
    }
    const verification = await (await webauthn()).verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: passkey.credential_id, publicKey: Buffer.from(passkey.public_key, 'base64url'), counter: passkey.counter, transports: transportsOf(passkey) },
      requireUserVerification: userId === undefined,
      // A counter that went backwards (a cloned authenticator) throws too.
    }).catch(() => ({ verified: false as const, authenticationInfo: undefined }));
    if (!verification.verified) throw new ValidationError({ passkey: NOT_ACCEPTED });
    await this.db
      .updateTable('passkeys')
      .set({ counter: verification.authenticationInfo.newCounter, last_used_at: this.now() })
      .where('id', '=', passkey.id)
      .execute();
    return this.db.selectFrom('users').selectAll().where('id', '=', passkey.user_id).executeTakeFirstOrThrow();
  }

  async rename(userId: number, passkeyId: number, name: string): Promise<void> {
    const result = await this.db.updateTable('passkeys').set({ name: cleanName(name) }).where('id', '=', passkeyId).where('user_id', '=', userId).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new NotFoundError('No such passkey on your account');
  }

  /** Removes one of the person's passkeys, unless it is their last way to sign in. */
  async remove(userId: number, passkeyId: number): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const ways = await lockedWaysIn(trx, this.dialect, userId);
      if (!ways.passkeyIds.includes(passkeyId)) throw new NotFoundError('No such passkey on your account');
      if (countWaysIn(ways) === 1) throw new ValidationError({ passkey: 'This passkey is your only way to sign in. Add another one, or link a provider, first.' });
      await trx.deleteFrom('passkeys').where('id', '=', passkeyId).execute();
    });
  }

  /** A challenge is answered once: the second answer (a replay) finds it spent. */
  async #spend(challenge: string): Promise<void> {
    const now = this.now();
    await this.db.deleteFrom('passkey_challenges_used').where('expires_at', '<', now).execute();
    const result = await this.db
      .insertInto('passkey_challenges_used')
      .values({ challenge, expires_at: now + PASSKEY_CHALLENGE_MS })
      .onConflict((oc) => oc.column('challenge').doNothing())
      .executeTakeFirst();
    if (!result.numInsertedOrUpdatedRows) throw new ValidationError({ passkey: SPENT });
  }
}

function cleanName(name: string): string {
  return name.replace(/\s+/g, ' ').trim().slice(0, PASSKEY_NAME_MAX) || 'Passkey';
}
