// The one answer to "may this person do this": route guards, services and
// templates all ask `can`. Permissions come from the person's groups and
// their own grants (read with the session, once per request); ownership,
// the edit window and karma privileges are decided here too.
import type { Clock } from '../errors.js';
import type { Permission } from './permissions.js';

/** Who is acting: the signed-in user as the session lookup read them. */
export interface Actor {
  id: number;
  /** Karma. */
  score: number;
  createdAt: number;
  isStaff: boolean;
  isSuperuser: boolean;
  /** Through groups and granted directly; a superuser's list does not matter. */
  permissions: ReadonlySet<Permission>;
}

export interface PolicySettings {
  /** How long after writing an author may still edit (0: never). */
  editWindowMinutes: number;
  /** Karma needed to downvote and to flag; 0 needs none. */
  karmaToDownvote: number;
  karmaToFlag: number;
  /** Accounts younger than this are marked as new. */
  newAccountDays: number;
}

/** A post or comment, as far as the rules look at it. */
export interface AuthoredItem {
  author_id: number;
  created_at: number;
  deleted_at: number | null;
  hidden_at: number | null;
}

export interface Discussion extends AuthoredItem {
  locked_at: number | null;
}

export interface TargetUser {
  id: number;
  is_staff: number;
  is_superuser: number;
}

/** Each action and the item it is about (none for permission-only actions). */
interface ActionItems {
  'post.add': undefined;
  'comment.add': Discussion;
  'post.edit': AuthoredItem;
  'post.delete': AuthoredItem;
  'comment.edit': AuthoredItem;
  'comment.delete': AuthoredItem;
  'vote.up': AuthoredItem;
  'vote.down': AuthoredItem;
  flag: AuthoredItem;
  'post.hide': undefined;
  'comment.hide': undefined;
  'post.lock': undefined;
  'post.pin': undefined;
  'flags.view': undefined;
  'user.ban': TargetUser;
  'admin.enter': undefined;
  'user.set_staff': undefined;
}
export type Action = keyof ActionItems;
type ItemArgs<A extends Action> = ActionItems[A] extends undefined ? [] : [item: ActionItems[A]];

/** `can` with the user already chosen: what a template receives. */
export type Can = <A extends Action>(action: A, ...args: ItemArgs<A>) => boolean;

const live = (item: AuthoredItem) => item.deleted_at === null && item.hidden_at === null;

export class Policy {
  constructor(
    private readonly settings: PolicySettings,
    private readonly now: Clock,
  ) {}

  /** Whether the user holds the permission (superusers hold all). */
  has(user: Actor | null, permission: Permission): boolean {
    return user !== null && (user.isSuperuser || user.permissions.has(permission));
  }

  can<A extends Action>(user: Actor | null, action: A, ...args: ItemArgs<A>): boolean {
    if (!user) return false;
    const item = args[0];
    const has = (permission: Permission) => this.has(user, permission);
    switch (action) {
      case 'post.add':
        return has('forum.add_post');
      case 'comment.add': {
        const post = item as Discussion;
        return (
          has('forum.add_comment') &&
          post.deleted_at === null &&
          (post.hidden_at === null || has('forum.hide_post')) &&
          (post.locked_at === null || has('forum.lock_post'))
        );
      }
      case 'post.edit':
        return this.mayEdit(user, item as AuthoredItem, 'forum.change_post');
      case 'comment.edit':
        return this.mayEdit(user, item as AuthoredItem, 'forum.change_comment');
      case 'post.delete':
        return this.mayDelete(user, item as AuthoredItem, 'forum.delete_post');
      case 'comment.delete':
        return this.mayDelete(user, item as AuthoredItem, 'forum.delete_comment');
      case 'vote.up':
        return this.mayReact(user, item as AuthoredItem, 'forum.add_vote', 0);
      case 'vote.down':
        return this.mayReact(user, item as AuthoredItem, 'forum.add_vote', this.settings.karmaToDownvote);
      case 'flag':
        return this.mayReact(user, item as AuthoredItem, 'forum.add_flag', this.settings.karmaToFlag);
      case 'post.hide':
        return has('forum.hide_post');
      case 'comment.hide':
        return has('forum.hide_comment');
      case 'post.lock':
        return has('forum.lock_post');
      case 'post.pin':
        return has('forum.pin_post');
      case 'flags.view':
        return has('forum.view_flags');
      case 'user.ban': {
        // Nobody bans themselves or a superuser; only a superuser bans staff.
        const target = item as TargetUser;
        return has('accounts.ban_user') && target.id !== user.id && !target.is_superuser && (!target.is_staff || user.isSuperuser);
      }
      case 'admin.enter':
        return user.isStaff || user.isSuperuser;
      case 'user.set_staff':
        // Who may enter the admin is a superuser's call, as in Django.
        return user.isSuperuser;
    }
    return false;
  }

  /** Whether an account is young enough to be marked as new. */
  isNewAccount(createdAt: number): boolean {
    return this.now() < this.newAccountUntil(createdAt);
  }

  /** When an account stops being marked as new. */
  newAccountUntil(createdAt: number): number {
    return createdAt + this.settings.newAccountDays * 24 * 3_600_000;
  }

  /** When the author's own edit window closes. */
  editableUntil(item: AuthoredItem): number {
    return item.created_at + this.settings.editWindowMinutes * 60_000;
  }

  private mayEdit(user: Actor, item: AuthoredItem, anyItem: Permission): boolean {
    if (item.deleted_at !== null) return false;
    if (this.has(user, anyItem)) return true;
    return item.author_id === user.id && item.hidden_at === null && this.now() < this.editableUntil(item);
  }

  /** Authors may delete their own at any time: what they wrote is theirs to take back. */
  private mayDelete(user: Actor, item: AuthoredItem, anyItem: Permission): boolean {
    return item.deleted_at === null && (item.author_id === user.id || this.has(user, anyItem));
  }

  /** Votes and flags: never on one's own, only on live items, and with the karma the privilege needs (0: none). */
  private mayReact(user: Actor, item: AuthoredItem, permission: Permission, karma: number): boolean {
    return this.has(user, permission) && item.author_id !== user.id && live(item) && (karma <= 0 || user.score >= karma);
  }
}
