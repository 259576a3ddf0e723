// A post's or comment's Markdown as it is stored: an @mention links to a
// profile only when that account exists (a link to no one would be a 404).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { renderWithMentions } from './markdown.js';

/**
 * The HTML, and the (lower-cased) names of the accounts it mentions, which a
 * comment notifies. One query more, only when the text mentions anyone.
 */
export async function renderText(db: Kysely<Database>, source: string): Promise<{ html: string; mentions: string[] }> {
  const rendered = renderWithMentions(source);
  if (rendered.mentions.length === 0) return rendered;
  const existing = await db.selectFrom('users').select('username_key').where('username_key', 'in', rendered.mentions).execute();
  if (existing.length === rendered.mentions.length) return rendered;
  return renderWithMentions(source, new Set(existing.map((user) => user.username_key)));
}
