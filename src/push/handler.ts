// The `push` outbox job: one notification to every browser the person has
// push on in, at send time. web-push signs each request (VAPID) and encrypts
// the message (aes128gcm) for that browser's keys. At least once: a job that
// fails for one device runs again for all, and the Topic makes the repeat
// replace the first on a device that got both.
import type { Agent } from 'node:https';
import webPush from 'web-push';
import type { PushSettings } from '../config.js';
import type { OptInRef } from '../notifications/delivery.js';
import type { PushSubscription } from '../db/schema.js';
import { PermanentJobError } from '../outbox/queue.js';
import { gated, type JobHandler, type SendGate } from '../outbox/handlers.js';
import type { PushSubscriptions } from './subscriptions.js';

/** The payload of a `push` job (contract with the fan-out in notifications). */
export interface PushJob {
  userId: number;
  /** At most 32 characters of base64url's alphabet: a later message of the same topic replaces this one on the device. */
  topic: string;
  title: string;
  body: string;
  /** A path on this site, such as /discuss/12/#c345. */
  url: string;
  /** The notification's opt-in, checked again before sending (outbox/handlers.ts). */
  optIn?: OptInRef;
}

/** What the service worker receives (decrypted): it shows `title` and `body`, tagged `tag`, and opens `url` on a click. */
export interface PushMessage {
  title: string;
  body: string;
  url: string;
  tag: string;
}

/** A push service keeps an undelivered message this long (the browser may be offline): a day-old reply alert is still news. */
export const PUSH_TTL_SECONDS = 24 * 60 * 60;
/** A push service that has not answered by then is treated as down (the job retries). */
const SEND_TIMEOUT_MS = 10_000;
// Push services take 4 kB of encrypted payload: at 3 bytes a character at worst, these leave room for the JSON and the encryption's overhead.
const TITLE_MAX = 150;
const BODY_MAX = 600;
const URL_MAX = 1_000;

export function parsePushJob(payload: unknown): PushJob {
  const job = payload as Partial<Record<keyof PushJob, unknown>> | null;
  const ok =
    typeof job === 'object' &&
    job !== null &&
    Number.isInteger(job.userId) &&
    typeof job.topic === 'string' &&
    /^[A-Za-z0-9_-]{1,32}$/.test(job.topic) &&
    typeof job.title === 'string' &&
    typeof job.body === 'string' &&
    typeof job.url === 'string' &&
    job.url.length <= URL_MAX &&
    /^\/(?!\/)/.test(job.url);
  if (!ok) throw new PermanentJobError('payload must be { userId, topic (≤32 base64url characters), title, body, url (a path on this site, ≤1000 characters) }');
  return job as PushJob;
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

type Outcome = { kind: 'sent' } | { kind: 'gone' } | { kind: 'refused'; reason: string } | { kind: 'trouble'; reason: string };

function outcomeOf(error: unknown): Outcome {
  if (error instanceof webPush.WebPushError) {
    const status = error.statusCode;
    if (status === 404 || status === 410) return { kind: 'gone' };
    // 429 and 5xx: the service is busy or down. Other 4xx (400, 413, 401/403 for a key it does not know) will not change by trying again.
    if (status === 429 || status >= 500) return { kind: 'trouble', reason: `${status} ${error.body.slice(0, 200)}` };
    return { kind: 'refused', reason: `${status} ${error.body.slice(0, 200)}` };
  }
  return { kind: 'trouble', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

export interface PushHandlerOptions {
  /** The HTTPS agent for the push services (tests: one that trusts the stand-in service's certificate). */
  agent?: Agent;
  /** Asks whether a notification's push is still wanted (notifications/delivery.ts). */
  gate?: SendGate;
}

export function pushHandler(subscriptions: PushSubscriptions, settings: PushSettings | undefined, options: PushHandlerOptions = {}): JobHandler {
  const send = async (vapid: PushSettings, device: PushSubscription, message: string, topic: string): Promise<Outcome> => {
    try {
      await webPush.sendNotification({ endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } }, message, {
        vapidDetails: { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
        TTL: PUSH_TTL_SECONDS,
        topic,
        urgency: 'normal',
        contentEncoding: 'aes128gcm',
        timeout: SEND_TIMEOUT_MS,
        agent: options.agent,
      });
      return { kind: 'sent' };
    } catch (error) {
      return outcomeOf(error);
    }
  };

  return {
    resendAfterCrash: true,
    async handle(payload) {
      const job = parsePushJob(payload);
      if (!settings) throw new PermanentJobError('no VAPID keys (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY): this forum sends no web push');
      const notification = gated(payload, options.gate);
      const unwanted = notification && (await notification.gate.stillWanted(notification.optIn, 'push'));
      if (unwanted) return { skipped: unwanted };
      const devices = await subscriptions.list(job.userId);
      const message: PushMessage = { title: cut(job.title, TITLE_MAX), body: cut(job.body, BODY_MAX), url: job.url, tag: job.topic };
      const text = JSON.stringify(message);
      const outcomes = await Promise.all(devices.map((device) => send(settings, device, text, job.topic)));
      const troubles: string[] = [];
      const refusals: string[] = [];
      for (const [i, outcome] of outcomes.entries()) {
        const device = devices[i]!;
        if (outcome.kind === 'sent') await subscriptions.used(device.id);
        else if (outcome.kind === 'gone') await subscriptions.forget(device.id);
        else (outcome.kind === 'trouble' ? troubles : refusals).push(`device ${device.id}: ${outcome.reason}`);
      }
      // Any device worth trying again: the whole job runs again later (the others get a repeat their Topic replaces).
      if (troubles.length > 0) throw new Error(`push service trouble, to retry: ${[...troubles, ...refusals].join('; ')}`);
      // Nothing delivered and nothing to retry: recorded as failed, with why.
      if (refusals.length > 0 && refusals.length === devices.length) throw new PermanentJobError(`refused by the push service: ${refusals.join('; ')}`);
      if (refusals.length > 0) return { sentExcept: `refused by the push service: ${refusals.join('; ')}` };
    },
  };
}
