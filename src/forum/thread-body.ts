// A discussion page sent as gzip without compressing 300 comments per
// request: the shared tree is cut into blocks of about 16 KB, each block
// compressed once per kind of reader (what a reader may do to comments not
// their own: vote, flag, edit or delete any, moderate) with everybody's
// neutral controls; a reader's own page reuses those and compresses afresh
// only the blocks holding a comment they wrote or voted on, and the page
// around the tree (header, post, form: where the CSRF token is).
import { randomBytes } from 'node:crypto';
import type { Action } from '../access/policy.js';
import type { ViewContext } from '../web/context.js';
import { deflatePart, gzipFromParts, type DeflatePart } from '../web/gzip-parts.js';
import { trustedHtml } from '../web/html.js';
import type { PostWithAuthor } from './posts.js';
import { commentControls, discussionPage, type CommentControlsOf, type DiscussionView, type SharedTree } from './views.js';

/** Slots [from, to) of the tree; the last block also holds the tree's closing fragment. */
export interface TreeBlock {
  from: number;
  to: number;
}

const BLOCK_BYTES = 16 * 1024;
/** Once per version and kind of reader: worth the better ratio. */
const SHARED_LEVEL = 6;
/** Per request: the fastest. */
const OWN_LEVEL = 1;

export function treeBlocks(tree: SharedTree): TreeBlock[] {
  const blocks: TreeBlock[] = [];
  let from = 0;
  let size = 0;
  for (let i = 0; i < tree.slots.length; i++) {
    size += tree.fragments[i]!.length;
    if (size >= BLOCK_BYTES) {
      blocks.push({ from, to: i + 1 });
      from = i + 1;
      size = 0;
    }
  }
  if (from < tree.slots.length || blocks.length === 0) blocks.push({ from, to: tree.slots.length });
  return blocks;
}

function blockText(tree: SharedTree, block: TreeBlock, last: boolean, controls: (slot: CommentControlsOf) => string): string {
  let text = '';
  for (let i = block.from; i < block.to; i++) text += tree.fragments[i]! + controls(tree.slots[i]!);
  return last ? text + tree.fragments[tree.slots.length]! : text;
}

const REACTIONS: Action[] = ['vote.up', 'vote.down', 'flag', 'comment.edit', 'comment.delete'];

/**
 * What decides a reader's controls on a comment that is not theirs and that
 * they did not vote on: the same string for readers who get the same ones.
 */
export function readerKind(ctx: ViewContext, post: PostWithAuthor): string {
  // A visitor's links say where to come back after logging in: this very address.
  if (!ctx.user) return `visitor ${ctx.path}`;
  const othersComment = { id: 0, author_id: -1, depth: 1, upvotes: 0, downvotes: 0, created_at: ctx.now, deleted_at: null, hidden_at: null };
  const may = REACTIONS.map((action) => (ctx.can(action as 'vote.up', othersComment) ? '1' : '0'));
  return `member ${may.join('')}${ctx.can('comment.add', post) ? '1' : '0'}${ctx.can('comment.hide') ? '1' : '0'}`;
}

export interface ThreadBody {
  blocks: TreeBlock[];
  /** The blocks compressed with neutral controls, per kind of reader. */
  neutral: Map<string, DeflatePart[]>;
}

/**
 * The page as one gzip body. `neutralCtx` is the reader with nobody's
 * identity (same rights, no comments of their own), for the shared blocks.
 */
export function gzipDiscussionPage(ctx: ViewContext, neutralCtx: ViewContext, view: DiscussionView & { sharedTree: SharedTree }, body: ThreadBody): Buffer {
  const tree = view.sharedTree;
  const last = body.blocks.length - 1;
  const kind = readerKind(ctx, view.post);
  let neutral = body.neutral.get(kind);
  if (!neutral) {
    const unvoted = { ...view, commentVotes: new Map() };
    neutral = body.blocks.map((block, i) => deflatePart(blockText(tree, block, i === last, (slot) => commentControls(neutralCtx, slot, unvoted).value), SHARED_LEVEL));
    body.neutral.set(kind, neutral);
  }
  const userId = ctx.user?.id;
  const own = (slot: CommentControlsOf) => slot.author_id === userId || view.commentVotes.has(slot.id);
  const marker = `<!--tree:${randomBytes(12).toString('base64url')}-->`;
  const [head = '', tail = ''] = discussionPage(ctx, { ...view, treeHtml: trustedHtml(marker) }).value.split(marker);
  const blocks = body.blocks.map((block, i) =>
    tree.slots.slice(block.from, block.to).some(own)
      ? deflatePart(blockText(tree, block, i === last, (slot) => commentControls(ctx, slot, view).value), OWN_LEVEL)
      : neutral[i]!,
  );
  return gzipFromParts([deflatePart(head, OWN_LEVEL), ...blocks, deflatePart(tail, OWN_LEVEL)]);
}
