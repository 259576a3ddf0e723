// Table types for Kysely. Times are epoch milliseconds (bigint in PostgreSQL,
// integer in SQLite): one representation, no time-zone surprises.
import type { Generated, Insertable, Selectable } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** Lower-cased username: uniqueness is case-insensitive. */
  username_key: string;
  email: string | null;
  /** When a link sent to `email` was followed; verified addresses are unique, case-insensitively. */
  email_verified_at: number | null;
  /** Null: no password; the account signs in only through its identities. */
  password_hash: string | null;
  /** Karma: upvotes minus downvotes over everything the user wrote. */
  score: Generated<number>;
  created_at: number;
  /** 0: the account is switched off (cannot sign in), as Django's is_active. */
  is_active: Generated<number>;
  /** May enter /admin (each screen still needs its permission). */
  is_staff: Generated<number>;
  /** Holds every permission without being given it. */
  is_superuser: Generated<number>;
  /** Set while banned; banned_until null means until unbanned. */
  banned_at: number | null;
  banned_until: number | null;
  ban_reason: string | null;
  /** When the person deleted the account: the row stays for their posts and votes, emptied (AccountService.deleteAccount). */
  deleted_at: number | null;
  /** Raised to end every session kept outside the sessions table (cookie, Redis) at once: accounts/sessions.ts. */
  session_epoch: Generated<number>;
  /** Notifications not yet read, kept with each one written or read (the header shows it). */
  unread_notifications: Generated<number>;
}

export interface SessionsTable {
  /** SHA-256 of the cookie's token: a leaked table does not hand out sessions. */
  id: string;
  user_id: number;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  user_agent: string;
  ip: string;
  /** When the person last proved who they are: sign-in, or confirming again (accounts/two-step/recent-auth.ts). */
  authenticated_at: Generated<number>;
  /** 1 when this session passed a second step (passkey, app, SMS or recovery code). */
  second_step: Generated<number>;
}

/** Counters kept beside every votable row, updated in the vote's transaction. */
interface VotableColumns {
  upvotes: Generated<number>;
  downvotes: Generated<number>;
  flags: Generated<number>;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  /** Markdown source and its sanitised HTML, rendered once on write. */
  text: string;
  text_html: string;
  /** Sequence number of the last direct reply (WBS allocation). */
  child_count: Generated<number>;
  /** Hidden by a moderator: out of listings, its words shown only to moderators. */
  hidden_at: number | null;
  /** The flag count a moderator last reviewed: only flags beyond it hold the item back. */
  flags_reviewed: Generated<number>;
}

export interface PostsTable extends VotableColumns {
  id: Generated<number>;
  author_id: number;
  title: string;
  url: string | null;
  /** Normalised url, for finding earlier submissions of the same link. */
  url_key: string | null;
  domain: string | null;
  num_comments: Generated<number>;
  /** Ranking key of the front page, recomputed whenever the score changes. */
  hotness: number;
  /** Locked: no new comments. */
  locked_at: number | null;
  /** Pinned: first on the front page. */
  pinned_at: number | null;
}

export interface CommentsTable extends VotableColumns {
  id: Generated<number>;
  post_id: number;
  author_id: number;
  parent_id: number | null;
  /** WBS path: ".0001.0003"; sorting by it gives the thread in reading order. */
  path: string;
  depth: number;
  /** The thread's "best" order, stored (forum/thread.ts bestPath); set by CommentService.add, kept by votes. */
  best_path: Generated<string>;
}

/** One row per user and item: an up/down choice and, beside it, a flag. */
interface VoteColumns {
  user_id: number;
  /** 1 up, -1 down, 0 none (the row then only carries a flag). */
  direction: number;
  flagged: number;
  /** Why it was flagged (FLAG_REASONS), while flagged. */
  flag_reason: string | null;
  created_at: number;
}
export interface PostVotesTable extends VoteColumns {
  post_id: number;
}
export interface CommentVotesTable extends VoteColumns {
  comment_id: number;
}

export interface PermissionsTable {
  id: Generated<number>;
  /** `app.action_model`, e.g. forum.change_comment. */
  codename: string;
  name: string;
}

export interface GroupsTable {
  id: Generated<number>;
  name: string;
}

export interface GroupPermissionsTable {
  group_id: number;
  permission_id: number;
}
export interface UserGroupsTable {
  user_id: number;
  group_id: number;
}
export interface UserPermissionsTable {
  user_id: number;
  permission_id: number;
}

/** A provider's account bound to one of ours: "Sign in with …". */
export interface IdentitiesTable {
  id: Generated<number>;
  /** The configured provider's name (google, github, …). */
  provider: string;
  /** The provider's stable id for the person. */
  subject: string;
  user_id: number;
  email: string | null;
  created_at: number;
}

/** An authenticator app (TOTP): one per account. */
export interface TotpAppsTable {
  user_id: number;
  /** The shared secret (base32), sealed by security/secret-box.ts. */
  secret: string;
  created_at: number;
  /** Null until a code from the app was typed: not yet a way in. */
  confirmed_at: number | null;
  /** The 30-second step of the last accepted code: that one and earlier ones are refused. */
  last_step: number | null;
}

/** Ten single-use codes for when the phone is lost; a used one is deleted. */
export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 (hex) of the normalised code. */
  code_hash: string;
  created_at: number;
}

/** A passkey (WebAuthn credential) a person registered: it signs them in without a password. */
export interface PasskeysTable {
  id: Generated<number>;
  user_id: number;
  /** base64url, as browsers report it. */
  credential_id: string;
  /** base64url COSE public key. */
  public_key: string;
  /** The authenticator's signature counter at its last use (0 for those that keep none). */
  counter: Generated<number>;
  /** Comma-separated transports (internal, hybrid, usb…), hints for the browser. */
  transports: Generated<string>;
  /** The person's name for it, by default the browser and system it was made on. */
  name: string;
  created_at: number;
  last_used_at: number | null;
}

/** Challenges already answered: each is accepted once. */
export interface PasskeyChallengesUsedTable {
  challenge: string;
  expires_at: number;
}

/** A person's verified phone (migration 008_phones). */
export interface PhonesTable {
  user_id: number;
  /** E.164, e.g. +919876543210. */
  number: string;
  verified_at: number;
  /** 1: sign-in's second step may be a code texted here. */
  sign_in_codes: Generated<number>;
}

/** The live one-time code of a person for one purpose; a new one replaces it. */
export interface SmsCodesTable {
  user_id: number;
  purpose: 'verify-phone' | 'sign-in';
  /** Where it was sent (E.164): for 'verify-phone', the number being verified. */
  phone: string;
  /** HMAC-SHA256 of the code under SECRET_KEY, hex. */
  code_hash: string;
  created_at: number;
  expires_at: number;
  /** Tries at this code, right or wrong; none after the 5th. */
  attempts: Generated<number>;
  used_at: number | null;
}

/** The public record of every moderator's act. */
export interface ModerationLogTable {
  id: Generated<number>;
  moderator_id: number;
  action: string;
  target_type: 'post' | 'comment' | 'user';
  target_id: number;
  /** What the item was when acted on: a title, a comment's opening words, a username. */
  subject: string;
  reason: string;
  created_at: number;
}

/** In-app notifications (src/notifications/). */
export interface NotificationsTable {
  id: Generated<number>;
  user_id: number;
  kind: 'post_reply' | 'comment_reply' | 'mention';
  /** Who wrote the comment. */
  actor_id: number;
  post_id: number;
  comment_id: number;
  created_at: number;
  read_at: number | null;
}

/** A person's choice for one event and channel; absent: the default (notifications/delivery.ts). */
export interface NotificationPreferencesTable {
  user_id: number;
  event: NotificationsTable['kind'];
  channel: 'push' | 'email' | 'sms';
  /** 1 on, 0 off. */
  enabled: number;
}

/** Texts sent to a person on one UTC day (day = floor(epoch ms / 86 400 000)), against SMS_DAILY_CAP. */
export interface SmsDailyCountsTable {
  user_id: number;
  day: number;
  sent: number;
}

/** A row while the person takes e-mail as a daily digest; due_at: when the scheduled digest job runs (null: none scheduled). */
export interface EmailDigestsTable {
  user_id: number;
  due_at: number | null;
}

/** CACHE_URL=db:// (cache/db-cache.ts). */
export interface CacheEntriesTable {
  key: string;
  value: Buffer;
  /** Epoch ms; a row past it is absent, and culled. */
  expires_at: number;
}

export type OutboxJobState = 'pending' | 'running' | 'done' | 'failed' | 'unknown';

/** Delivery jobs (src/outbox/), written in the transaction that causes them. */
export interface OutboxJobsTable {
  id: Generated<number>;
  /** Which handler runs it: `email`, `sms`, … */
  kind: string;
  /** The handler's input, as JSON. */
  payload: string;
  state: Generated<OutboxJobState>;
  /** Claims so far (a claim counts as an attempt). */
  attempts: Generated<number>;
  /** Epoch ms: not claimed before. */
  run_after: number;
  /** Epoch ms of the claim, renewed while the job runs: the lease. */
  claimed_at: number | null;
  /** The worker holding (or last holding) the job. */
  claimed_by: string | null;
  last_error: string | null;
  created_at: number;
  /** When it became done, failed or unknown. */
  done_at: number | null;
}

/** Browsers a person turned web push on in (migration 015_push_subscriptions). */
export interface PushSubscriptionsTable {
  id: Generated<number>;
  user_id: number;
  /** The push service's URL for this one browser. */
  endpoint: string;
  /** base64url: the browser's P-256 public key (65 bytes) and auth secret (16 bytes). */
  p256dh: string;
  auth: string;
  /** "Firefox on Linux", from the User-Agent at subscribing. */
  label: string;
  created_at: number;
  /** Last accepted send. */
  last_used_at: number | null;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  posts: PostsTable;
  comments: CommentsTable;
  post_votes: PostVotesTable;
  comment_votes: CommentVotesTable;
  permissions: PermissionsTable;
  groups: GroupsTable;
  group_permissions: GroupPermissionsTable;
  user_groups: UserGroupsTable;
  user_permissions: UserPermissionsTable;
  moderation_log: ModerationLogTable;
  identities: IdentitiesTable;
  totp_apps: TotpAppsTable;
  recovery_codes: RecoveryCodesTable;
  cache_entries: CacheEntriesTable;
  passkeys: PasskeysTable;
  passkey_challenges_used: PasskeyChallengesUsedTable;
  phones: PhonesTable;
  sms_codes: SmsCodesTable;
  notifications: NotificationsTable;
  outbox_jobs: OutboxJobsTable;
  push_subscriptions: PushSubscriptionsTable;
  notification_preferences: NotificationPreferencesTable;
  sms_daily_counts: SmsDailyCountsTable;
  email_digests: EmailDigestsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Post = Selectable<PostsTable>;
export type Comment = Selectable<CommentsTable>;
export type Identity = Selectable<IdentitiesTable>;
export type Passkey = Selectable<PasskeysTable>;
export type OutboxJob = Selectable<OutboxJobsTable>;
export type PushSubscription = Selectable<PushSubscriptionsTable>;
