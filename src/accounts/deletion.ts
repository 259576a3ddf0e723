// What deleting an account takes and what it leaves. The users row stays,
// emptied, so the person's posts, comments and votes keep their author (shown
// as DELETED_USER, linking nowhere) and the forum's counts stay true.
import { createHash } from 'node:crypto';

/** The name every deleted account shows; no username can be it (USERNAME_RE has no brackets or spaces). */
export const DELETED_USER = '[deleted user]';

/**
 * Rows that belong to one person and go with their account: every table with
 * a `user_id` that is theirs alone. A table added for a sign-in method (TOTP,
 * passkeys, phones…) must be listed here: its ON DELETE CASCADE never fires,
 * since the users row stays. Votes and flags are not listed: they stay counted.
 */
export const PER_USER_TABLES = ['sessions', 'identities', 'user_groups', 'user_permissions', 'totp_apps', 'recovery_codes', 'passkeys', 'phones', 'sms_codes', 'notifications', 'push_subscriptions', 'notification_preferences', 'sms_daily_counts', 'email_digests'] as const;

/**
 * What a deleted account keeps in `username_key`: a fingerprint of its old
 * name, so nobody else can take that name and be taken for its former owner,
 * while the name itself is not kept (docs/decisions.md).
 */
export const reservedUsernameKey = (username: string) => `deleted:${createHash('sha256').update(username.toLowerCase()).digest('hex')}`;
