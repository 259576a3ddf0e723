// Web push subscriptions: each browser a person turned notifications on in,
// as the browser's PushSubscription.toJSON() describes it. Knows nothing of
// HTTP or of sending (handler.ts sends).
import { ECDH } from 'node:crypto';
import { isIP } from 'node:net';
import type { Kysely } from 'kysely';
import type { Database, PushSubscription } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { NotFoundError, ValidationError, type Clock } from '../errors.js';

/** Devices per person: a browser each, with room for several phones and computers. */
export const MAX_DEVICES = 20;
export const ENDPOINT_MAX = 2_048;

/** What a browser sends: PushSubscription.toJSON() without expirationTime. */
export interface BrowserSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An HTTPS URL of a push service. In production never an IP address or
 * localhost: the worker posts to whatever is stored, and a member must not be
 * able to point it at the forum's own network. Loopback is allowed outside
 * production, for the test push service (docs/decisions.md, "Web push").
 */
function endpointProblem(endpoint: string, allowLoopback: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'The push endpoint is not a URL.';
  }
  if (url.protocol !== 'https:') return 'The push endpoint must be an https:// URL.';
  if (url.username || url.password) return 'The push endpoint must not hold a user name or password.';
  if (allowLoopback && LOOPBACK.has(url.hostname)) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 || host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) {
    return "The push endpoint must be a push service's address, not an IP address or a local name.";
  }
  return undefined;
}

/** base64url of exactly `bytes` bytes (padding tolerated, as some browsers sent it). */
function decodedKey(value: string, bytes: number): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return undefined;
  const key = Buffer.from(value, 'base64url');
  return key.length === bytes ? key : undefined;
}

function keysProblem(keys: BrowserSubscription['keys']): string | undefined {
  const p256dh = decodedKey(keys.p256dh, 65);
  if (!p256dh) return 'The subscription key p256dh must be base64url of 65 bytes.';
  try {
    ECDH.convertKey(p256dh, 'prime256v1'); // throws unless a point on the curve
  } catch {
    return 'The subscription key p256dh is not a P-256 public key.';
  }
  if (!decodedKey(keys.auth, 16)) return 'The subscription secret auth must be base64url of 16 bytes.';
  return undefined;
}

export class PushSubscriptions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
    private readonly options: { allowLoopbackEndpoints: boolean },
  ) {}

  /**
   * Stores the browser's subscription for `userId`. The same endpoint again
   * (a new key, or another account signed in on that browser) replaces the
   * row: an endpoint belongs to one browser, and its notifications to
   * whoever last turned them on there.
   */
  async subscribe(userId: number, subscription: BrowserSubscription, label: string): Promise<void> {
    const problem = endpointProblem(subscription.endpoint, this.options.allowLoopbackEndpoints) ?? keysProblem(subscription.keys);
    if (problem) throw new ValidationError({ subscription: problem });
    const row = {
      user_id: userId,
      endpoint: subscription.endpoint,
      p256dh: subscription.keys.p256dh.replace(/=+$/, ''),
      auth: subscription.keys.auth.replace(/=+$/, ''),
      label,
      created_at: this.now(),
    };
    await inTransaction(this.db, async (trx) => {
      const others = await trx
        .selectFrom('push_subscriptions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', userId)
        .where('endpoint', '<>', subscription.endpoint)
        .executeTakeFirstOrThrow();
      if (Number(others.n) >= MAX_DEVICES) {
        throw new ValidationError({ subscription: `You have notifications on in ${MAX_DEVICES} browsers, the most this forum keeps. Remove one you no longer use first.` });
      }
      await trx
        .insertInto('push_subscriptions')
        .values(row)
        .onConflict((oc) => oc.column('endpoint').doUpdateSet({ user_id: row.user_id, p256dh: row.p256dh, auth: row.auth, label: row.label, created_at: row.created_at, last_used_at: null }))
        .execute();
    });
  }

  /** The browser turned notifications off: its endpoint goes, if it is this person's. */
  async unsubscribe(userId: number, endpoint: string): Promise<void> {
    await this.db.deleteFrom('push_subscriptions').where('user_id', '=', userId).where('endpoint', '=', endpoint).execute();
  }

  /** A person's devices, oldest first. */
  list(userId: number): Promise<PushSubscription[]> {
    return this.db.selectFrom('push_subscriptions').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  }

  /** Removes one of `userId`'s devices (the settings page's button). */
  async remove(userId: number, id: number): Promise<void> {
    const removed = await this.db.deleteFrom('push_subscriptions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw new NotFoundError('No such device on your account');
  }

  /** The push service said this subscription is gone (404, 410). */
  async forget(id: number): Promise<void> {
    await this.db.deleteFrom('push_subscriptions').where('id', '=', id).execute();
  }

  /** A send was accepted. */
  async used(id: number): Promise<void> {
    await this.db.updateTable('push_subscriptions').set({ last_used_at: this.now() }).where('id', '=', id).execute();
  }
}
