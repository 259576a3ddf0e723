import type { FastifyInstance } from 'fastify';
import { BrowserSession } from './browser-session.js';
import { wilsonLowerBound } from '../../src/forum/ranking.js';

let counter = 0;

/** A signed-up, signed-in browser with a unique name. */
export async function member(app: FastifyInstance, prefix = 'member'): Promise<BrowserSession & { username: string }> {
  const browser = new BrowserSession(app) as BrowserSession & { username: string };
  browser.username = `${prefix}${process.pid}${++counter}${Math.floor(Math.random() * 1e4)}`;
  await browser.signup(browser.username);
  return browser;
}

/** Starts a discussion through the form; returns its id. */
export async function startDiscussion(browser: BrowserSession, fields: Record<string, string> = {}): Promise<number> {
  await browser.get('/start-discussion/');
  const response = await browser.post('/start-discussion/', { title: 'A discussion', text: 'Some text', ...fields });
  const match = /^\/discuss\/(\d+)\/$/.exec(String(response.headers.location));
  if (response.statusCode !== 303 || !match) throw new Error(`start discussion failed: ${response.statusCode} ${response.body.slice(0, 300)}`);
  return Number(match[1]);
}

/** Comments (or replies, with parentId) through the forms; returns the new comment's id. */
export async function comment(browser: BrowserSession, postId: number, text: string, parentId?: number): Promise<number> {
  const url = parentId ? `/comments/${parentId}/reply/` : `/discuss/${postId}/`;
  const response = await browser.post(url, { text });
  const match = /#c(\d+)$/.exec(String(response.headers.location));
  if (response.statusCode !== 303 || !match) throw new Error(`comment failed: ${response.statusCode} ${response.body.slice(0, 300)}`);
  return Number(match[1]);
}

export interface Ranked {
  id: number;
  parent_id: number | null;
  path: string;
  upvotes: number;
  downvotes: number;
}

/** "best" order by its definition: siblings by Wilson lower bound (ties in path order), each reply under its parent. */
export function bestOrderOf(comments: Ranked[]): number[] {
  const children = new Map<number | null, Ranked[]>();
  for (const c of [...comments].sort((a, b) => (a.path < b.path ? -1 : 1))) children.set(c.parent_id, [...(children.get(c.parent_id) ?? []), c]);
  const ordered: number[] = [];
  const visit = (parent: number | null) => {
    const siblings = [...(children.get(parent) ?? [])].sort((a, b) => wilsonLowerBound(b.upvotes, b.downvotes) - wilsonLowerBound(a.upvotes, a.downvotes));
    for (const c of siblings) {
      ordered.push(c.id);
      visit(c.id);
    }
  };
  visit(null);
  return ordered;
}
