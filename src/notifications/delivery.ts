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
import type { NewJob, Outbox } from '../outbox/queue.js';
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

/** An unsubscribe link keeps working this long: a year-old mail still unsubscribes (docs/decisions.md). */
export const UNSUBSCRIBE_LINK_MS = 365 * 24 * 3_600_000;

const DAY_MS = 24 * 3_600_000;
const SMS_TITLE_MAX = 40;
const PUSH_BODY_MAX = 140;
const MAIL_EXCERPT_MAX = 600;

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
  email: 'ok' | 'no-mail' | 'no-address';
  sms: 'ok' | 'no-sms' | 'no-phone';
  smsDailyCap: number;
}

export interface DeliverySettings {
  /** BASE_URL (else the local server's): links sent by mail and SMS are absolute. */
  origin: string;
  /** Jobs of a channel are written only when it can send: mail has somewhere to go, SMS has a provider. */
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
    const { mailAvailable, smsAvailable, smsDailyCap } = this.settings;
    const email = !mailAvailable ? 'no-mail' : person.email === null ? 'no-address' : 'ok';
    const sms = !smsAvailable ? 'no-sms' : person.phone === null ? 'no-phone' : 'ok';
    return { optIns: person.optIns, email, sms, smsDailyCap };
  }

  /**
   * The page's form: `ticked` holds "event:channel" for each box ticked.
   * Channels the page could not offer (no verified address, no phone) keep
   * what they were: their boxes were disabled, so they sent nothing.
   */
  async choose(userId: number, ticked: readonly string[]): Promise<void> {
    const settings = await this.settingsOf(userId);
    const offered: Record<Channel, boolean> = { push: true, email: settings.email === 'ok', sms: settings.sms === 'ok' };
    const on = new Set(ticked);
    const rows = EVENTS.flatMap((event) =>
      CHANNELS.map((channel) => ({ user_id: userId, event, channel, enabled: (offered[channel] ? on.has(`${event}:${channel}`) : settings.optIns[event][channel]) ? 1 : 0 })),
    );
    await this.upsert(rows);
  }

  /** People by id with their opt-ins, verified address and phone: one query. */
  private async recipients(db: Kysely<Database> | Transaction<Database>, ids: readonly number[]): Promise<Map<number, Recipient>> {
    const found = new Map<number, Recipient>();
    if (ids.length === 0) return found;
    const rows = await db
      .selectFrom('users as u')
      .leftJoin('phones as p', 'p.user_id', 'u.id')
      .leftJoin('notification_preferences as np', 'np.user_id', 'u.id')
      .select(['u.id', 'u.username', 'u.email', 'u.email_verified_at', 'u.deleted_at', 'p.number', 'np.event', 'np.channel', 'np.enabled'])
      .where('u.id', 'in', [...new Set(ids)])
      .execute();
    for (const row of rows) {
      let person = found.get(row.id);
      if (!person) {
        const email = row.email_verified_at !== null ? row.email : null;
        person = { username: row.username, email, phone: row.number, deleted: row.deleted_at !== null, optIns: defaultOptIns() };
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
    for (const n of written) {
      const person = people.get(n.userId);
      if (!person || person.deleted) continue;
      const wants = person.optIns[n.kind];
      const optIn: OptInRef = { userId: n.userId, event: n.kind };
      if (wants.push) {
        const payload = { userId: n.userId, topic: `n${n.id}`, title: headline(n.kind, actor, comment.postTitle), body: clip(comment.text, PUSH_BODY_MAX), url: path };
        jobs.push({ kind: 'push', payload });
      }
      if (wants.email && person.email && this.settings.mailAvailable) {
        jobs.push({ kind: 'email', payload: { ...this.email(n.kind, actor, comment, person.email, optIn), optIn } });
      }
      if (wants.sms && person.phone && this.settings.smsAvailable) {
        const message = `Charcha: ${headline(n.kind, actor, clip(comment.postTitle, SMS_TITLE_MAX))} ${this.settings.origin}${path}`;
        jobs.push({ kind: 'sms', payload: { to: person.phone, message, optIn } });
      }
    }
    await this.outbox.enqueueAll(trx, jobs);
    return jobs;
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
      // RFC 8058: a mail program offers "Unsubscribe" and POSTs List-Unsubscribe=One-Click to this address.
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    };
  }

  /** The one-click link: a token naming the person, event and channel, good for nothing else. */
  unsubscribeUrl(userId: number, event: NotificationKind, channel: Channel): string {
    const token = this.tokens.make('unsubscribe', userId, this.now() + UNSUBSCRIBE_LINK_MS, `${event}:${channel}`);
    return `${this.settings.origin}/unsubscribe/${event}/${channel}/${token}`;
  }

  /** Whose link this is, if it is one of ours for exactly this event and channel. */
  checkUnsubscribeToken(event: NotificationKind, channel: Channel, token: string): { userId: number } | 'invalid' | 'expired' {
    const parsed = this.tokens.parse(token);
    if (!parsed) return 'invalid';
    const verdict = this.tokens.check(parsed, 'unsubscribe', `${event}:${channel}`, this.now());
    return verdict === 'ok' ? { userId: parsed.userId } : verdict;
  }

  /** Turns one opt-in off (the unsubscribe link). */
  async turnOff(userId: number, event: NotificationKind, channel: Channel): Promise<void> {
    await this.upsert([{ user_id: userId, event, channel, enabled: 0 }]);
  }

  private async upsert(rows: { user_id: number; event: NotificationKind; channel: Channel; enabled: number }[]): Promise<void> {
    await this.db
      .insertInto('notification_preferences')
      .values(rows)
      .onConflict((oc) => oc.columns(['user_id', 'event', 'channel']).doUpdateSet({ enabled: (eb) => eb.ref('excluded.enabled') }))
      .execute();
  }

  /**
   * At send time: null when the person still wants this e-mail or text at
   * `to` (the opt-in is on, and `to` is still their verified address or
   * phone), else why not.
   */
  async stillWanted(optIn: OptInRef, channel: 'email' | 'sms', to: string): Promise<string | null> {
    const person = (await this.recipients(this.db, [optIn.userId])).get(optIn.userId);
    if (!person || person.deleted) return 'the account is gone';
    if (!person.optIns[optIn.event][channel]) return `${channel} for ${optIn.event} was turned off`;
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
