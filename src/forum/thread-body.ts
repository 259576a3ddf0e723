// A discussion page sent as gzip without compressing 300 comments per
// request: the shared tree is cut into blocks of about 16 KB, each block
// compressed once per kind of reader (what a reader may do to comments not
// their own: vote, flag, edit or delete any, moderate) with everybody's
// neutral controls; a reader's own page reuses those, and the blocks holding
// a comment they wrote or voted on are compressed with their controls once
// and kept (OwnBlocks) until the thread changes. Only the page around the
// tree (header, post, form: where the CSRF token is) is compressed per request.
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Action } from '../access/policy.js';
import type { ViewContext } from '../web/context.js';
import { deflatePart, gzipFromParts, type DeflatePart } from '../web/gzip-parts.js';
import { trustedHtml } from '../web/html.js';
import type { PostWithAuthor } from './posts.js';
import { commentControls, discussionPage, type DiscussionView, type SharedTree } from './views.js';

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

function treeBlocks(tree: SharedTree): TreeBlock[] {
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

/** A block's text, with each slot's controls given by the slot's index. */
function blockText(tree: SharedTree, block: TreeBlock, last: boolean, controls: (index: number) => string): string {
  let text = '';
  for (let i = block.from; i < block.to; i++) text += tree.fragments[i]! + controls(i);
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

/** What a kind of reader shares: everybody's neutral controls per slot, and each block with them, compressed. */
interface NeutralBlocks {
  controls: string[];
  blocks: DeflatePart[];
}

export interface ThreadBody {
  /** This version of the tree, among the kept blocks of all versions (OwnBlocks). */
  version: string;
  blocks: TreeBlock[];
  /** Per kind of reader. */
  neutral: Map<string, NeutralBlocks>;
}

export function threadBody(tree: SharedTree): ThreadBody {
  return { version: randomBytes(9).toString('base64url'), blocks: treeBlocks(tree), neutral: new Map() };
}

/** Bytes of compressed blocks kept, at most: about 2 KB each. */
const OWN_BLOCKS_BYTES = 16 * 1024 * 1024;

/**
 * Blocks holding a reader's own comments or votes, compressed, kept by what
 * makes their text (tree version, kind of reader, block, and the reader's
 * controls in it, which carry their votes and edit window): a reader who
 * comes back to a thread that has not changed gets them without compressing
 * again, and an exact key cannot serve anyone else's.
 */
export class OwnBlocks {
  private readonly kept = new LRUCache<string, DeflatePart>({ maxSize: OWN_BLOCKS_BYTES, sizeCalculation: (part, key) => part.bytes.length + key.length });

  get(key: string, make: () => DeflatePart): DeflatePart {
    let part = this.kept.get(key);
    if (!part) {
      part = make();
      this.kept.set(key, part);
    }
    return part;
  }
}

/**
 * The page as one gzip body. `neutralCtx` is the reader with nobody's
 * identity (same rights, no comments of their own), for the shared blocks.
 */
export function gzipDiscussionPage(
  ctx: ViewContext,
  neutralCtx: ViewContext,
  view: DiscussionView & { sharedTree: SharedTree },
  body: ThreadBody,
  ownBlocks: OwnBlocks,
): Buffer {
  const tree = view.sharedTree;
  const last = body.blocks.length - 1;
  const kind = readerKind(ctx, view.post);
  let neutral = body.neutral.get(kind);
  if (!neutral) {
    const unvoted = { ...view, commentVotes: new Map() };
    const controls = tree.slots.map((slot) => commentControls(neutralCtx, slot, unvoted).value);
    neutral = { controls, blocks: body.blocks.map((block, i) => deflatePart(blockText(tree, block, i === last, (j) => controls[j]!), SHARED_LEVEL)) };
    body.neutral.set(kind, neutral);
  }
  const { controls } = neutral;
  const userId = ctx.user?.id;
  const marker = `<!--tree:${randomBytes(12).toString('base64url')}-->`;
  const [head = '', tail = ''] = discussionPage(ctx, { ...view, treeHtml: trustedHtml(marker) }).value.split(marker);
  const blocks = body.blocks.map((block, i) => {
    // The reader's own controls in this block, by slot: only these differ from the neutral block.
    const own = new Map<number, string>();
    for (let j = block.from; j < block.to; j++) {
      const slot = tree.slots[j]!;
      if (slot.author_id === userId || view.commentVotes.has(slot.id)) own.set(j, commentControls(ctx, slot, view).value);
    }
    if (own.size === 0) return neutral.blocks[i]!;
    const key = `${body.version} ${kind} ${i} ${JSON.stringify([...own])}`;
    return ownBlocks.get(key, () => deflatePart(blockText(tree, block, i === last, (j) => own.get(j) ?? controls[j]!), OWN_LEVEL));
  });
  return gzipFromParts([deflatePart(head, OWN_LEVEL), ...blocks, deflatePart(tail, OWN_LEVEL)]);
}
