// The services of one forum, built from Config and a database: what routes,
// the CLI and tests use. Knows nothing of HTTP.
import { Policy } from './access/policy.js';
import { AdminService } from './admin/service.js';
import { PasskeyService } from './accounts/passkeys.js';
import { PasswordHasher } from './accounts/passwords.js';
import { EmailService } from './accounts/email.js';
import { IdentityService } from './accounts/identities.js';
import { AccountService } from './accounts/service.js';
import { SignInProviders } from './accounts/sign-in-providers.js';
import type { SessionStore } from './accounts/sessions.js';
import { createSessionStore } from './accounts/session-stores.js';
import { SignedTokens } from './accounts/signed-tokens.js';
import { TwoStep } from './accounts/two-step/factors.js';
import { RecoveryCodes } from './accounts/two-step/recovery-codes.js';
import { TotpService } from './accounts/two-step/totp.js';
import { createCache, type AppCache } from './cache/index.js';
import { Changes } from './cache/changes.js';
import { NotificationService } from './notifications/service.js';
import { DeliveryService } from './notifications/delivery.js';
import { HttpPurger } from './cache/purge.js';
import { PhoneService } from './accounts/two-step/phones.js';
import type { Config, PushSettings } from './config.js';
import type { Db } from './db/database.js';
import type { Clock } from './errors.js';
import { CommentService } from './forum/comments.js';
import { HealthService } from './health/service.js';
import { PostService } from './forum/posts.js';
import { VoteService } from './forum/votes.js';
import { ModerationService } from './moderation/service.js';
import { SecretBox } from './security/secret-box.js';
import { createMailer, type Mailer } from './mail/mailer.js';
import { createSmsSender, type SmsLogger, type SmsSender } from './sms/index.js';
import { Outbox } from './outbox/queue.js';
import { PushSubscriptions } from './push/subscriptions.js';

export interface Services {
  /** Who may do what: the one answer, for routes, services and templates. */
  policy: Policy;
  accounts: AccountService;
  /** Provider identities bound to accounts ("Sign in with …"). */
  identities: IdentityService;
  /** The configured providers and the OAuth/OpenID flow with them. */
  signInProviders: SignInProviders;
  /** SESSION_STORE's store; the app closes it. */
  sessions: SessionStore;
  posts: PostService;
  comments: CommentService;
  votes: VoteService;
  /** The admin's reads and writes: activity, users' groups, the permission matrix. */
  admin: AdminService;
  /** Hide, lock, pin, delete, dismiss flags, ban: each logged with its reason. */
  moderation: ModerationService;
  /** Outgoing mail; `available` is false in production without SMTP_URL. */
  mail: Mailer;
  /** Address verification, address changes, password reset by mail. */
  email: EmailService;
  /** The second step's factors: whether a person has two-step sign-in on, and checking their codes. */
  twoStep: TwoStep;
  /** Authenticator apps: setting one up, checking its codes. */
  totp: TotpService;
  /** Single-use codes for when the phone is lost. */
  recoveryCodes: RecoveryCodes;
  /** Passkeys: registered per person; they sign in without a password, or pass the second step. */
  passkeys: PasskeyService;
  /** Phone verification, sign-in codes and reply alerts (later issues) send through this. */
  sms: SmsSender;
  /** CACHE_URL's cache and its generations (page caching, invalidation); misses while the backend is away. The app closes it. */
  cache: AppCache;
  /** Writes say what they changed; cached pages (here and in a reverse proxy) that showed it go. */
  changes: Changes;
  /** In-app notifications: written with the comment that causes them; the list and its unread count. */
  notifications: NotificationService;
  /** Readiness for the load balancer's probe: database and cache. */
  health: HealthService;
  /** A person's verified phone and the codes texted to it (the `sms` second factor). */
  phones: PhoneService;
  /** Delivery jobs, written in the caller's transaction; a worker (outbox/worker.ts) runs them. */
  outbox: Outbox;
  /** Browsers with web push on, per person (the `push` job sends to them). */
  pushSubscriptions: PushSubscriptions;
  /** VAPID_*; undefined: the forum offers no web push. */
  pushSettings: PushSettings | undefined;
  /** Who hears of a notification by push, e-mail or SMS: the opt-ins, the fan-out into jobs, the checks at send time. */
  deliveries: DeliveryService;
}

export function buildServices(db: Db, config: Config, now: Clock, logger: SmsLogger): Services {
  const policy = new Policy(config.policy, now);
  const passwords = new PasswordHasher(config.passwordHashCost);
  const cache = createCache(config.cache, { db: db.kysely, now, log: logger });
  const changes = new Changes(cache.generations, config.purgeUrls.length > 0 ? new HttpPurger(config.purgeUrls) : undefined, logger);
  const accounts = new AccountService(db.kysely, db.dialect, now, passwords, changes);
  const sessions = createSessionStore(config, { db, now, log: logger });
  const mail = createMailer(config.mail, config.isProduction, logger);
  const posts = new PostService(db.kysely, db.dialect, policy, now, { flagHideThreshold: config.flagHideThreshold }, changes);
  const notifications = new NotificationService(db.kysely, now);
  const tokens = new SignedTokens(config.secretKey, config.secretKeyFallbacks);
  const outbox = new Outbox(db.kysely, db.dialect, now, config.outbox);
  const sms = createSmsSender(config.sms, { logger, now });
  // The console provider puts codes in the log: for development only.
  const smsForCodes = config.sms.providers.length > 0 || !config.isProduction;
  const deliveries = new DeliveryService(db.kysely, now, outbox, tokens, {
    // Production with mail needs BASE_URL (config.ts); elsewhere the local server's address serves for trials.
    origin: config.baseUrl ?? `http://${config.host}:${config.port}`,
    pushAvailable: config.push !== undefined,
    mailAvailable: mail.available,
    smsAvailable: smsForCodes,
    smsDailyCap: config.smsDailyCap,
  });
  const comments = new CommentService(db.kysely, db.dialect, policy, now, changes, notifications, deliveries);
  const keys = [config.secretKey, ...config.secretKeyFallbacks];
  // Apps list the account under this name: the forum's host when known.
  const totp = new TotpService(db.kysely, now, new SecretBox(keys, 'totp'), config.baseUrl ? new URL(config.baseUrl).host : 'Charcha');
  const recoveryCodes = new RecoveryCodes(db.kysely, now);
  const passkeys = new PasskeyService(db.kysely, db.dialect, now);
  const phones = new PhoneService(db.kysely, now, sms, { available: smsForCodes, defaultCountry: config.sms.defaultCountry, secretKey: config.secretKey });
  return {
    policy,
    accounts,
    identities: new IdentityService(db.kysely, db.dialect, now, accounts),
    signInProviders: new SignInProviders(config.authProviders),
    sessions,
    mail,
    email: new EmailService(db.kysely, now, accounts, sessions, mail, tokens),
    posts,
    comments,
    votes: new VoteService(db.kysely, db.dialect, policy, now, changes),
    admin: new AdminService(db.kysely, db.dialect, policy, now),
    moderation: new ModerationService(db.kysely, db.dialect, policy, now, { posts, comments }, changes),
    sms,
    phones,
    twoStep: new TwoStep([totp, recoveryCodes, passkeys, phones.factor]),
    totp,
    recoveryCodes,
    passkeys,
    cache,
    changes,
    notifications,
    health: new HealthService(db.kysely, cache.store),
    outbox,
    deliveries,
    // Loopback endpoints (the test push service) only outside production.
    pushSubscriptions: new PushSubscriptions(db.kysely, now, { allowLoopbackEndpoints: !config.isProduction }),
    pushSettings: config.push,
  };
}
