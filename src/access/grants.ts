import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from '../db/database.js';
import { isPermission, type Permission } from './permissions.js';

/**
 * A column for any query over `users`: the user's permission codenames,
 * through their groups and direct grants, space-separated. Part of the
 * session lookup, so permissions cost no query of their own. `union all`:
 * a permission held twice lands in a set anyway, and skipping the
 * de-duplication makes the subquery cheaper (SQLite, demo data: a lookup
 * takes 11 µs with it, 16 µs with `union`, 7 µs without permissions).
 */
export function permissionsColumn(dialect: DialectName): RawBuilder<string | null> {
  const codenames = sql`select permissions.codename from user_groups
    join group_permissions on group_permissions.group_id = user_groups.group_id
    join permissions on permissions.id = group_permissions.permission_id
    where user_groups.user_id = users.id
    union all
    select permissions.codename from user_permissions
    join permissions on permissions.id = user_permissions.permission_id
    where user_permissions.user_id = users.id`;
  const joined = dialect === 'postgres' ? sql`string_agg(codename, ' ')` : sql`group_concat(codename, ' ')`;
  return sql<string | null>`(select ${joined} from (${codenames}) as held)`;
}

export function parsePermissions(column: string | null): ReadonlySet<Permission> {
  return new Set((column ?? '').split(' ').filter(isPermission));
}
