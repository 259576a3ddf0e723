// Who hears of a notification through which channel, and the jobs that carry
// it there. In-app is always on (the notification itself); push, e-mail and
// SMS are opt-ins per event, stored only where someone chose (a missing row
// is the default). The fan-out runs inside the comment's transaction: one
// read of the recipients (preferences, verified address, verified phone),
// one insert of every job. The worker asks again at send time
// (stillWanted), and takes one of the day's texts (takeSms) before an SMS.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { NotFoundError, type Clock } from '../errors.js';
import type { SignedTokens } from '../accounts/signed-tokens.js';
import type { MailMessage } from '../mail/mailer.js';
import type { NewJob, Outbox } from '../outbox/queue.js';
import { plural } from '../web/plural.js';
import type { NotificationKind } from './service.js';

export const EVENTS = ['post_reply', 'comment_reply', 'mention'] as const satisfies readonly NotificationKind[];
export const CHANNELS = ['push', 'email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];
export type OptIns = Record<NotificationKind, Record<Channel, boolean>>;

/** For everyone who never chose: push on (it needs a device turned on anyway), e-mail and SMS off (docs/decisions.md). */
export const DEFAULT_OPT_INS: Readonly<Record<Channel, boolean>> = { push: true, email: false, sms: false };

/** What the settings page and the unsubscribe link call each event. */
export const EVENT_LABELS: Record<NotificationKind, string> = {
  post_reply: 'Replies to your posts',
  comment_reply: 'Replies to your comments',
  mention: 'Mentions of your @name',
};

/** What an unsubscribe link turns off: one event's opt-in, or (a digest's link) e-mail for every event. */
export type UnsubscribeTarget = NotificationKind | 'digest';
export const UNSUBSCRIBE_TARGETS = [...EVENTS, 'digest'] as const satisfies readonly UnsubscribeTarget[];
export const TARGET_LABELS: Record<UnsubscribeTarget, string> = { ...EVENT_LABELS, digest: 'every event (the daily digest)' };

/** An unsubscribe link keeps working this long: a year-old mail still unsubscribes (docs/decisions.md). */
export const UNSUBSCRIBE_LINK_MS = 365 * 24 * 3_600_000;

const DAY_MS = 24 * 3_600_000;
const SMS_TITLE_MAX = 40;
const PUSH_BODY_MAX = 140;
const MAIL_EXCERPT_MAX = 600;
const DIGEST_EXCERPT_MAX = 200;
/** A digest lists this many at most; the inbox link shows the rest. */
const DIGEST_MAX = 50;

/** Which opt-in a job stands for: the worker checks it again before sending. */
export interface OptInRef {
  userId: number;
  event: NotificationKind;
}

/** A person as the fan-out and the settings page see them. */
export interface Recipient {
  username: string;
  /** Only a verified address; null otherwise. */
  email: string | null;
  /** The verified phone (E.164), or null. */
  phone: string | null;
  deleted: boolean;
  optIns: OptIns;
  /** E-mail as a daily digest: off, on with none scheduled, or on with its job waiting. */
  digest: 'off' | 'idle' | 'scheduled';
}

/** The comment behind the notifications, as its transaction knows it. */
export interface CommentFacts {
  postId: number;
  commentId: number;
  postTitle: string;
  actorId: number;
  /** The comment's Markdown source: mail and push quote it as text. */
  text: string;
}

/** The settings page's view of a person: opt-ins, and why a channel cannot be offered. */
export interface ChannelSettings {
  optIns: OptIns;
  emailDigest: boolean;
  push: 'ok' | 'no-push';
  email: 'ok' | 'no-mail' | 'no-address';
  sms: 'ok' | 'no-sms' | 'no-phone';
  smsDailyCap: number;
}

export interface DeliverySettings {
  /** BASE_URL (else the local server's): links sent by mail and SMS are absolute. */
  origin: string;
  /** Jobs of a channel are written only when it can send: push has VAPID keys, mail somewhere to go, SMS a provider. */
  pushAvailable: boolean;
  mailAvailable: boolean;
  smsAvailable: boolean;
  /** SMS_DAILY_CAP. */
  smsDailyCap: number;
}

export const defaultOptIns = (): OptIns =>
  Object.fromEntries(EVENTS.map((event) => [event, { ...DEFAULT_OPT_INS }])) as OptIns;

const clip = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
};

/** RFC 8058: a mail program offers "Unsubscribe" and POSTs List-Unsubscribe=One-Click to this address. */
const unsubscribeHeaders = (url: string) => ({ 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });

export function headline(event: NotificationKind, actor: string, title: string): string {
  if (event === 'post_reply') return `${actor} replied to your post “${title}”`;
  if (event === 'comment_reply') return `${actor} replied to your comment on “${title}”`;
  return `${actor} mentioned you in “${title}”`;
}

export class DeliveryService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: Clock,
    private readonly outbox: Outbox,
    private readonly tokens: SignedTokens,
    private readonly settings: DeliverySettings,
  ) {}

  get smsDailyCap(): number {
    return this.settings.smsDailyCap;
  }

  /** What the settings page shows: one query. */
  async settingsOf(userId: number): Promise<ChannelSettings> {
    const person = (await this.recipients(this.db, [userId])).get(userId);
    if (!person) throw new NotFoundError('No such account');
    return this.channelSettings(person);
  }

  private channelSettings(person: Recipient): ChannelSettings {
    const { pushAvailable, mailAvailable, smsAvailable, smsDailyCap } = this.settings;
    const push = pushAvailable ? 'ok' : 'no-push';
    const email = !mailAvailable ? 'no-mail' : person.email === null ? 'no-address' : 'ok';
    const sms = !smsAvailable ? 'no-sms' : person.phone === null ? 'no-phone' : 'ok';
    return { optIns: person.optIns, emailDigest: person.digest !== 'off', push, email, sms, smsDailyCap };
  }

  /**
   * The page's form: `ticked` holds "event:channel" for each box ticked.
   * Channels the page could not offer (no verified address, no phone) keep
   * what they were: their boxes were disabled, so they sent nothing.
   */
  async choose(userId: number, ticked: readonly string[], emailMode?: 'instant' | 'daily'): Promise<void> {
    const settings = await this.settingsOf(userId);
    const offered: Record<Channel, boolean> = { push: settings.push === 'ok', email: settings.email === 'ok', sms: settings.sms === 'ok' };
    const on = new Set(ticked);
    const rows = EVENTS.flatMap((event) =>
      CHANNELS.map((channel) => ({ user_id: userId, event, channel, enabled: (offered[channel] ? on.has(`${event}:${channel}`) : settings.optIns[event][channel]) ? 1 : 0 })),
    );
    await this.upsert(rows);
    if (offered.email && emailMode === 'daily' && !settings.emailDigest) await this.db.insertInto('email_digests').values({ user_id: userId, due_at: null }).execute();
    if (offered.email && emailMode === 'instant' && settings.emailDigest) await this.db.deleteFrom('email_digests').where('user_id', '=', userId).execute();
  }

  /** People by id with their opt-ins, verified address and phone: one query. */
  private async recipients(db: Kysely<Database> | Transaction<Database>, ids: readonly number[]): Promise<Map<number, Recipient>> {
    const found = new Map<number, Recipient>();
    if (ids.length === 0) return found;
    const rows = await db
      .selectFrom('users as u')
      .leftJoin('phones as p', 'p.user_id', 'u.id')
      .leftJoin('notification_preferences as np', 'np.user_id', 'u.id')
      .leftJoin('email_digests as d', 'd.user_id', 'u.id')
      .select(['u.id', 'u.username', 'u.email', 'u.email_verified_at', 'u.deleted_at', 'p.number', 'np.event', 'np.channel', 'np.enabled', 'd.user_id as digest_of', 'd.due_at as digest_due'])
      .where('u.id', 'in', [...new Set(ids)])
      .execute();
    for (const row of rows) {
      let person = found.get(row.id);
      if (!person) {
        const email = row.email_verified_at !== null ? row.email : null;
        const digest = row.digest_of === null ? 'off' : row.digest_due === null ? 'idle' : 'scheduled';
        person = { username: row.username, email, phone: row.number, deleted: row.deleted_at !== null, optIns: defaultOptIns(), digest };
        found.set(row.id, person);
      }
      // A row left by an older version naming an event or channel no longer offered is ignored.
      const choices = row.event !== null && row.channel !== null ? (person.optIns[row.event] as Partial<Record<Channel, boolean>> | undefined) : undefined;
      if (choices && row.channel! in choices) choices[row.channel!] = row.enabled === 1;
    }
    return found;
  }

  /**
   * In the comment's transaction, after its notifications were written:
   * the jobs each recipient opted into, all in one insert. Returns them
   * (tests count them).
   */
  async fanOut(trx: Transaction<Database>, written: readonly { id: number; userId: number; kind: NotificationKind }[], comment: CommentFacts): Promise<NewJob[]> {
    if (written.length === 0) return [];
    const people = await this.recipients(trx, [comment.actorId, ...written.map((n) => n.userId)]);
    const actor = people.get(comment.actorId)?.username ?? 'Someone';
    const path = `/discuss/${comment.postId}/#c${comment.commentId}`;
    const jobs: NewJob[] = [];
    const digests = new Set<number>();
    for (const n of written) {
      const person = people.get(n.userId);
      if (!person || person.deleted) continue;
      const wants = person.optIns[n.kind];
      const optIn: OptInRef = { userId: n.userId, event: n.kind };
      if (wants.push && this.settings.pushAvailable) {
        const payload = { userId: n.userId, topic: `n${n.id}`, title: headline(n.kind, actor, comment.postTitle), body: clip(comment.text, PUSH_BODY_MAX), url: path, optIn };
        jobs.push({ kind: 'push', payload });
      }
      if (wants.email && person.email && this.settings.mailAvailable) {
        if (person.digest === 'off') jobs.push({ kind: 'email', payload: { ...this.email(n.kind, actor, comment, person.email, optIn), optIn } });
        else if (person.digest === 'idle') digests.add(n.userId);
      }
      if (wants.sms && person.phone && this.settings.smsAvailable) {
        const message = `Charcha: ${headline(n.kind, actor, clip(comment.postTitle, SMS_TITLE_MAX))} ${this.settings.origin}${path}`;
        jobs.push({ kind: 'sms', payload: { to: person.phone, message, optIn } });
      }
    }
    if (digests.size > 0) {
      // The first notification since the last digest schedules the next, a day on; `due_at is null` lets only one writer do it.
      const since = this.now();
      const runAfter = since + DAY_MS;
      const scheduled = await trx.updateTable('email_digests').set({ due_at: runAfter }).where('user_id', 'in', [...digests]).where('due_at', 'is', null).returning('user_id').execute();
      for (const { user_id } of scheduled) jobs.push({ kind: 'email-digest', payload: { userId: user_id, since }, runAfter });
    }
    await this.outbox.enqueueAll(trx, jobs);
    return jobs;
  }

  /**
   * The worker's `email-digest` job: one mail of the person's notifications
   * still unread since `since` (the one that scheduled it, a day before),
   * for the events they take by e-mail; or why none goes. The next
   * notification schedules the next digest.
   */
  async digest(userId: number, since: number): Promise<MailMessage | { skipped: string }> {
    await this.db.updateTable('email_digests').set({ due_at: null }).where('user_id', '=', userId).execute();
    const person = (await this.recipients(this.db, [userId])).get(userId);
    if (!person || person.deleted) return { skipped: 'the account is gone' };
    if (person.digest === 'off') return { skipped: 'the daily digest was turned off' };
    if (!person.email || !this.settings.mailAvailable) return { skipped: 'no verified address' };
    const events = EVENTS.filter((event) => person.optIns[event].email);
    if (events.length === 0) return { skipped: 'e-mail is off for every event' };
    const items = await this.db
      .selectFrom('notifications as n')
      .innerJoin('users as a', 'a.id', 'n.actor_id')
      .innerJoin('posts as p', 'p.id', 'n.post_id')
      .innerJoin('comments as c', 'c.id', 'n.comment_id')
      .select(['n.kind', 'a.username as actor', 'n.post_id', 'p.title', 'n.comment_id', 'c.text'])
      .where('n.user_id', '=', userId)
      .where('n.read_at', 'is', null)
      .where('n.created_at', '>=', since)
      .where('n.kind', 'in', events)
      .where('c.deleted_at', 'is', null)
      .where('c.hidden_at', 'is', null)
      .orderBy('n.id')
      .limit(DIGEST_MAX)
      .execute();
    if (items.length === 0) return { skipped: 'nothing unread of the past day' };
    const { origin } = this.settings;
    const unsubscribe = this.unsubscribeUrl(userId, 'digest', 'email');
    const entries = items.map((i) => `* ${headline(i.kind, i.actor, i.title)}:\n  ${clip(i.text, DIGEST_EXCERPT_MAX)}\n  ${origin}/discuss/${i.post_id}/#c${i.comment_id}`);
    const text = `Unread on Charcha in the past day:

${entries.join('\n\n')}

All your notifications: ${origin}/notifications/

--
You get this digest because you chose a daily e-mail.
Stop these e-mails with one click: ${unsubscribe}
Choose what you hear about, and where: ${origin}/settings/notifications/
`;
    return { to: person.email, subject: `Your Charcha digest: ${plural(items.length, 'new notification')}`, text, headers: unsubscribeHeaders(unsubscribe) };
  }

  private email(event: NotificationKind, actor: string, comment: CommentFacts, to: string, optIn: OptInRef) {
    const { origin } = this.settings;
    const unsubscribe = this.unsubscribeUrl(optIn.userId, event, 'email');
    const quoted = clip(comment.text, MAIL_EXCERPT_MAX);
    const text = `${headline(event, actor, comment.postTitle)}:

  ${quoted}

Read it and reply: ${origin}/discuss/${comment.postId}/#c${comment.commentId}

--
You get these because e-mail is on for “${EVENT_LABELS[event]}”.
Stop them with one click: ${unsubscribe}
Choose what you hear about, and where: ${origin}/settings/notifications/
`;
    return {
      to,
      subject: headline(event, actor, clip(comment.postTitle, 80)),
      text,
      headers: unsubscribeHeaders(unsubscribe),
    };
  }

  /** The one-click link: a token naming the person, event and channel, good for nothing else. */
  unsubscribeUrl(userId: number, event: UnsubscribeTarget, channel: Channel): string {
    const token = this.tokens.make('unsubscribe', userId, this.now() + UNSUBSCRIBE_LINK_MS, `${event}:${channel}`);
    return `${this.settings.origin}/unsubscribe/${event}/${channel}/${token}`;
  }

  /** Whose link this is, if it is one of ours for exactly this event and channel. */
  checkUnsubscribeToken(event: UnsubscribeTarget, channel: Channel, token: string): { userId: number } | 'invalid' | 'expired' {
    const parsed = this.tokens.parse(token);
    if (!parsed) return 'invalid';
    const verdict = this.tokens.check(parsed, 'unsubscribe', `${event}:${channel}`, this.now());
    return verdict === 'ok' ? { userId: parsed.userId } : verdict;
  }

  /** Turns one opt-in off (the unsubscribe link); a digest's link, the channel for every event. */
  async turnOff(userId: number, target: UnsubscribeTarget, channel: Channel): Promise<void> {
    const events = target === 'digest' ? EVENTS : [target];
    await this.upsert(events.map((event) => ({ user_id: userId, event, channel, enabled: 0 })));
  }

  private async upsert(rows: { user_id: number; event: NotificationKind; channel: Channel; enabled: number }[]): Promise<void> {
    await this.db
      .insertInto('notification_preferences')
      .values(rows)
      .onConflict((oc) => oc.columns(['user_id', 'event', 'channel']).doUpdateSet({ enabled: (eb) => eb.ref('excluded.enabled') }))
      .execute();
  }

  /**
   * At send time: null when the person still wants this push, or this e-mail
   * or text at `to` (the opt-in is on, and `to` is still their verified
   * address or phone), else why not.
   */
  async stillWanted(optIn: OptInRef, channel: Channel, to?: string): Promise<string | null> {
    const person = (await this.recipients(this.db, [optIn.userId])).get(optIn.userId);
    if (!person || person.deleted) return 'the account is gone';
    if (!person.optIns[optIn.event][channel]) return `${channel} for ${optIn.event} was turned off`;
    // Push goes to the devices subscribed at send time: no address to compare.
    if (channel === 'push') return null;
    const now = channel === 'email' ? person.email : person.phone;
    if (now !== to) return channel === 'email' ? 'the address is no longer verified' : 'the phone is no longer verified';
    return null;
  }

  /**
   * Takes one of today's (UTC) texts for the person: false once SMS_DAILY_CAP
   * were taken. One atomic upsert, so workers running at once cannot pass
   * the cap between them; yesterday's count goes first.
   */
  async takeSms(userId: number): Promise<boolean> {
    const day = Math.floor(this.now() / DAY_MS);
    await this.db.deleteFrom('sms_daily_counts').where('user_id', '=', userId).where('day', '<', day).execute();
    const taken = await this.db
      .insertInto('sms_daily_counts')
      .values({ user_id: userId, day, sent: 1 })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'day'])
          .doUpdateSet({ sent: sql<number>`sms_daily_counts.sent + 1` })
          .where('sms_daily_counts.sent', '<', this.settings.smsDailyCap),
      )
      .returning('sent')
      .executeTakeFirst();
    return taken !== undefined;
  }

  /** The text taken was not sent (refused, or to be retried): it does not count. */
  async giveBackSms(userId: number): Promise<void> {
    const day = Math.floor(this.now() / DAY_MS);
    await this.db.updateTable('sms_daily_counts').set({ sent: sql<number>`sent - 1` }).where('user_id', '=', userId).where('day', '=', day).where('sent', '>', 0).execute();
  }
}
