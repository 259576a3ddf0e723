// The permission catalogue, as codenames `app.action_model` (Django's form).
// The database holds the same list (written by migrations, which a test
// compares with this one); groups and users are granted rows of it.

export const PERMISSIONS = [
  'forum.view_post',
  'forum.add_post',
  'forum.change_post',
  'forum.delete_post',
  'forum.view_comment',
  'forum.add_comment',
  'forum.change_comment',
  'forum.delete_comment',
  'forum.add_vote',
  'forum.add_flag',
  'forum.view_flags',
  'forum.hide_post',
  'forum.hide_comment',
  'forum.lock_post',
  'forum.pin_post',
  'accounts.view_user',
  'accounts.add_user',
  'accounts.change_user',
  'accounts.delete_user',
  'accounts.ban_user',
  'accounts.view_group',
  'accounts.change_group',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** The group every new account joins. */
export const MEMBER_GROUP = 'member';

/**
 * What the member group is seeded with: a member's everyday rights. Holding
 * anything beyond them makes one staff for STAFF_TWO_STEP.
 */
export const MEMBER_PERMISSIONS: readonly Permission[] = [
  'forum.view_post',
  'forum.view_comment',
  'forum.add_post',
  'forum.add_comment',
  'forum.add_vote',
  'forum.add_flag',
];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
