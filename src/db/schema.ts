// Table types for Kysely. Times are epoch milliseconds (bigint in PostgreSQL,
// integer in SQLite): one representation, no time-zone surprises.
import type { Generated, Insertable, Selectable } from 'kysely';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** Lower-cased username: uniqueness is case-insensitive. */
  username_key: string;
  email: string | null;
  password_hash: string;
  /** Karma: upvotes minus downvotes over everything the user wrote. */
  score: Generated<number>;
  created_at: number;
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
}

export interface CommentsTable extends VotableColumns {
  id: Generated<number>;
  post_id: number;
  author_id: number;
  parent_id: number | null;
  /** WBS path: ".0001.0003"; sorting by it gives the thread in reading order. */
  path: string;
  depth: number;
}

/** One row per user and item: an up/down choice and, beside it, a flag. */
interface VoteColumns {
  user_id: number;
  /** 1 up, -1 down, 0 none (the row then only carries a flag). */
  direction: number;
  flagged: number;
  created_at: number;
}
export interface PostVotesTable extends VoteColumns {
  post_id: number;
}
export interface CommentVotesTable extends VoteColumns {
  comment_id: number;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  posts: PostsTable;
  comments: CommentsTable;
  post_votes: PostVotesTable;
  comment_votes: CommentVotesTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Post = Selectable<PostsTable>;
export type Comment = Selectable<CommentsTable>;
