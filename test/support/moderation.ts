import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../../src/db/database.js';
import type { BrowserSession } from './browser-session.js';
import { member } from './forum.js';

/** Puts a user in a seeded group (member, moderator, admin); it holds from their next request. */
export async function joinGroup(db: Db, username: string, group: string): Promise<void> {
  await sql`insert into user_groups (user_id, group_id) select users.id, groups.id from users, groups where users.username = ${username} and groups.name = ${group}`.execute(db.kysely);
}

/** A signed-in member of the moderator group. */
export async function moderator(app: FastifyInstance, db: Db): Promise<BrowserSession & { username: string }> {
  const browser = await member(app, 'mod');
  await joinGroup(db, browser.username, 'moderator');
  return browser;
}
