// What each kind of outbox job does, and what holds after a crash. Kinds are
// open: web push adds its handler to the registry beside these.
import type { PushSettings } from '../config.js';
import type { MailMessage, Mailer } from '../mail/mailer.js';
import { pushHandler } from '../push/handler.js';
import type { PushSubscriptions } from '../push/subscriptions.js';
import { EVENTS, type DeliveryService, type OptInRef } from '../notifications/delivery.js';
import {
  InvalidMessageError,
  InvalidPhoneNumberError,
  SmsBadInputError,
  SmsDeliveryUnknownError,
  type SmsSender,
} from '../sms/index.js';
import { DeliveryUnknownError, PermanentJobError, type KindRules } from './queue.js';

export interface JobHandler {
  /**
   * Runs one job. Throws PermanentJobError to fail it for good,
   * DeliveryUnknownError when the send may have happened (it is not sent
   * again), anything else to have it retried after a backoff.
   */
  handle(payload: unknown): Promise<JobOutcome>;
  /**
   * A job found running after its worker died: true runs it again (at least
   * once: right for a send the device dedupes, like web push with a Topic);
   * false marks it `unknown`, never sent twice (SMS, e-mail).
   */
  resendAfterCrash: boolean;
}

/**
 * Nothing: sent. `skipped`: the handler chose not to send. `sentExcept`: sent,
 * but not everywhere (a device refused it for good). Either way the job is
 * done and the reason kept.
 */
export type JobOutcome = void | { skipped: string } | { sentExcept: string };

export type JobHandlers = ReadonlyMap<string, JobHandler>;

export function kindRules(handlers: JobHandlers): KindRules {
  const kinds = [...handlers.keys()];
  return { kinds, resendable: kinds.filter((kind) => handlers.get(kind)!.resendAfterCrash) };
}

/** The payload of an `email` job; `optIn` when it carries a notification (checked again before sending). */
export type EmailJob = MailMessage & { optIn?: OptInRef };

/** The payload of an `sms` job: an E.164 number (a verified phone) and the text; `optIn` as for e-mail, and it counts against SMS_DAILY_CAP. */
export interface SmsJob {
  to: string;
  message: string;
  optIn?: OptInRef;
}

function textFields<K extends string>(payload: unknown, fields: readonly K[]): Record<K, string> {
  const record = payload as Record<K, unknown> | null;
  if (typeof record !== 'object' || record === null || !fields.every((field) => typeof record[field] === 'string')) {
    throw new PermanentJobError(`payload must hold the text fields ${fields.join(', ')}`);
  }
  return record as Record<K, string>;
}

/** What a notification's push, e-mail or text asks before it goes (notifications/delivery.ts). */
export type SendGate = Pick<DeliveryService, 'stillWanted' | 'takeSms' | 'giveBackSms' | 'smsDailyCap'>;

/** The opt-in a job carries, and the gate to ask about it; a job without one (a sign-in code) just goes. */
export function gated(payload: unknown, gate: SendGate | undefined): { optIn: OptInRef; gate: SendGate } | undefined {
  const optIn = optInOf(payload);
  if (!optIn) return undefined;
  if (!gate) throw new PermanentJobError('a notification job reached a handler without its send gate');
  return { optIn, gate };
}

function optInOf(payload: unknown): OptInRef | undefined {
  const optIn = (payload as { optIn?: unknown }).optIn as Partial<OptInRef> | undefined;
  if (optIn === undefined) return undefined;
  if (typeof optIn !== 'object' || optIn === null || !Number.isInteger(optIn.userId) || !EVENTS.includes(optIn.event!)) {
    throw new PermanentJobError('optIn must name a user and an event');
  }
  return { userId: optIn.userId!, event: optIn.event! };
}

function headersOf(payload: unknown): Record<string, string> | undefined {
  const headers = (payload as { headers?: unknown }).headers;
  if (headers === undefined) return undefined;
  if (typeof headers !== 'object' || headers === null || !Object.values(headers).every((value) => typeof value === 'string')) {
    throw new PermanentJobError('headers must map names to text');
  }
  return headers as Record<string, string>;
}

/** E-mail through the forum's mailer (SMTP_URL). */
export function emailHandler(mail: Mailer, gate?: SendGate): JobHandler {
  return {
    resendAfterCrash: false,
    async handle(payload) {
      const { to, subject, text } = textFields(payload, ['to', 'subject', 'text']);
      const headers = headersOf(payload);
      const notification = gated(payload, gate);
      if (!mail.available) throw new PermanentJobError('no SMTP_URL: this forum sends no e-mail');
      const unwanted = notification && (await notification.gate.stillWanted(notification.optIn, 'email', to));
      if (unwanted) return { skipped: unwanted };
      await sendMail(mail, { to, subject, text, ...(headers && { headers }) });
    },
  };
}

async function sendMail(mail: Mailer, message: MailMessage): Promise<void> {
  try {
    await mail.send(message);
  } catch (error) {
    // 5xx: the server refused this message for good (no such mailbox, policy); 4xx and network trouble may pass.
    const code = (error as { responseCode?: unknown }).responseCode;
    if (typeof code === 'number' && code >= 500) throw new PermanentJobError(`the mail server refused it (${code})`);
    throw error;
  }
}

/** `email-digest` ({ userId, since }): the day's unread notifications in one mail, composed at send time (notifications/delivery.ts). */
export function emailDigestHandler(mail: Mailer, digests: Pick<DeliveryService, 'digest'>): JobHandler {
  return {
    resendAfterCrash: false,
    async handle(payload) {
      const { userId, since } = (payload ?? {}) as { userId?: unknown; since?: unknown };
      if (!Number.isInteger(userId) || !Number.isInteger(since)) throw new PermanentJobError('payload must name a user and a time');
      if (!mail.available) throw new PermanentJobError('no SMTP_URL: this forum sends no e-mail');
      const message = await digests.digest(userId as number, since as number);
      if ('skipped' in message) return message;
      await sendMail(mail, message);
    },
  };
}

/**
 * SMS through services.sms, whose own retries and failover run first; what
 * reaches the queue is what they could not fix. Not `critical`: a reply alert
 * is not worth sending twice.
 */
export function smsHandler(sms: SmsSender, gate?: SendGate): JobHandler {
  return {
    resendAfterCrash: false,
    async handle(payload) {
      const { to, message } = textFields(payload, ['to', 'message']);
      const notification = gated(payload, gate);
      if (notification) {
        const { optIn, gate } = notification;
        const unwanted = await gate.stillWanted(optIn, 'sms', to);
        if (unwanted) return { skipped: unwanted };
        if (!(await gate.takeSms(optIn.userId))) return { skipped: `SMS_DAILY_CAP (${gate.smsDailyCap}) reached today` };
      }
      try {
        await sms.send(to, message);
      } catch (error) {
        // Not sent (or to be retried): it does not count against today's cap. Delivery unknown: it may have, so it does.
        if (notification && !(error instanceof SmsDeliveryUnknownError)) await notification.gate.giveBackSms(notification.optIn.userId);
        if (error instanceof SmsDeliveryUnknownError) throw new DeliveryUnknownError(error.message);
        if (error instanceof InvalidPhoneNumberError || error instanceof InvalidMessageError || error instanceof SmsBadInputError) {
          throw new PermanentJobError(`${error.name}: ${error.message}`);
        }
        throw error; // provider trouble after retries and failover, or misconfiguration: try again later
      }
    },
  };
}

/** The forum's delivery kinds. */
export function deliveryHandlers(deps: {
  mail: Mailer;
  sms: SmsSender;
  deliveries: DeliveryService;
  pushSubscriptions: PushSubscriptions;
  pushSettings: PushSettings | undefined;
}): Map<string, JobHandler> {
  return new Map([
    ['email', emailHandler(deps.mail, deps.deliveries)],
    ['sms', smsHandler(deps.sms, deps.deliveries)],
    ['email-digest', emailDigestHandler(deps.mail, deps.deliveries)],
    // Registered without VAPID keys too: its jobs then fail for good, saying why, rather than wait forever unclaimed.
    ['push', pushHandler(deps.pushSubscriptions, deps.pushSettings, { gate: deps.deliveries })],
  ]);
}
