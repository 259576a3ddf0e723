// What each kind of outbox job does, and what holds after a crash. Kinds are
// open: web push adds its handler to the registry beside these.
import type { PushSettings } from '../config.js';
import type { MailMessage, Mailer } from '../mail/mailer.js';
import { pushHandler } from '../push/handler.js';
import type { PushSubscriptions } from '../push/subscriptions.js';
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
  handle(payload: unknown): Promise<void>;
  /**
   * A job found running after its worker died: true runs it again (at least
   * once: right for a send the device dedupes, like web push with a Topic);
   * false marks it `unknown`, never sent twice (SMS, e-mail).
   */
  resendAfterCrash: boolean;
}

export type JobHandlers = ReadonlyMap<string, JobHandler>;

export function kindRules(handlers: JobHandlers): KindRules {
  const kinds = [...handlers.keys()];
  return { kinds, resendable: kinds.filter((kind) => handlers.get(kind)!.resendAfterCrash) };
}

/** The payload of an `email` job. */
export type EmailJob = MailMessage;

/** The payload of an `sms` job: an E.164 number (a verified phone) and the text. */
export interface SmsJob {
  to: string;
  message: string;
}

function textFields<K extends string>(payload: unknown, fields: readonly K[]): Record<K, string> {
  const record = payload as Record<K, unknown> | null;
  if (typeof record !== 'object' || record === null || !fields.every((field) => typeof record[field] === 'string')) {
    throw new PermanentJobError(`payload must hold the text fields ${fields.join(', ')}`);
  }
  return record as Record<K, string>;
}

/** E-mail through the forum's mailer (SMTP_URL). */
export function emailHandler(mail: Mailer): JobHandler {
  return {
    resendAfterCrash: false,
    async handle(payload) {
      const { to, subject, text } = textFields(payload, ['to', 'subject', 'text']);
      if (!mail.available) throw new PermanentJobError('no SMTP_URL: this forum sends no e-mail');
      try {
        await mail.send({ to, subject, text });
      } catch (error) {
        // 5xx: the server refused this message for good (no such mailbox, policy); 4xx and network trouble may pass.
        const code = (error as { responseCode?: unknown }).responseCode;
        if (typeof code === 'number' && code >= 500) throw new PermanentJobError(`the mail server refused it (${code})`);
        throw error;
      }
    },
  };
}

/**
 * SMS through services.sms, whose own retries and failover run first; what
 * reaches the queue is what they could not fix. Not `critical`: a reply alert
 * is not worth sending twice.
 */
export function smsHandler(sms: SmsSender): JobHandler {
  return {
    resendAfterCrash: false,
    async handle(payload) {
      const { to, message } = textFields(payload, ['to', 'message']);
      try {
        await sms.send(to, message);
      } catch (error) {
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
export function deliveryHandlers(deps: { mail: Mailer; sms: SmsSender; pushSubscriptions: PushSubscriptions; pushSettings: PushSettings | undefined }): Map<string, JobHandler> {
  return new Map([
    ['email', emailHandler(deps.mail)],
    ['sms', smsHandler(deps.sms)],
    // Registered without VAPID keys too: its jobs then fail for good, saying why, rather than wait forever unclaimed.
    ['push', pushHandler(deps.pushSubscriptions, deps.pushSettings)],
  ]);
}
