// The services of one forum, built from Config and a database: what routes,
// the CLI and tests use. Knows nothing of HTTP.
import { Policy } from './access/policy.js';
import { PasswordHasher } from './accounts/passwords.js';
import { IdentityService } from './accounts/identities.js';
import { AccountService } from './accounts/service.js';
import { SignInProviders } from './accounts/sign-in-providers.js';
import { SessionStore } from './accounts/sessions.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { Clock } from './errors.js';
import { CommentService } from './forum/comments.js';
import { PostService } from './forum/posts.js';
import { VoteService } from './forum/votes.js';
import { createSmsSender, type SmsLogger, type SmsSender } from './sms/index.js';

export interface Services {
  /** Who may do what: the one answer, for routes, services and templates. */
  policy: Policy;
  accounts: AccountService;
  /** Provider identities bound to accounts ("Sign in with …"). */
  identities: IdentityService;
  /** The configured providers and the OAuth/OpenID flow with them. */
  signInProviders: SignInProviders;
  sessions: SessionStore;
  posts: PostService;
  comments: CommentService;
  votes: VoteService;
  /** Phone verification, sign-in codes and reply alerts (later issues) send through this. */
  sms: SmsSender;
}

export function buildServices(db: Db, config: Config, now: Clock, logger: SmsLogger): Services {
  const policy = new Policy(config.policy, now);
  const accounts = new AccountService(db.kysely, db.dialect, now, new PasswordHasher(config.passwordHashCost));
  return {
    policy,
    accounts,
    identities: new IdentityService(db.kysely, db.dialect, now, accounts),
    signInProviders: new SignInProviders(config.authProviders),
    sessions: new SessionStore(db.kysely, db.dialect, now, {
      idleMs: config.sessionIdleMinutes * 60_000,
      maxAgeMs: config.sessionMaxDays * 24 * 3_600_000,
    }),
    posts: new PostService(db.kysely, policy, now),
    comments: new CommentService(db.kysely, db.dialect, policy, now),
    votes: new VoteService(db.kysely, db.dialect, policy, now),
    sms: createSmsSender(config.sms, { logger, now }),
  };
}
