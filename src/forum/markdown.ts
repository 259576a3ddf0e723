import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// Raw HTML is off in the parser, and the output is sanitised again: a bug in
// either layer alone cannot let script through.
const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });
const { escapeHtml } = markdown.utils;

/**
 * The level a user's `# heading` becomes: the page's title is the h1, so user
 * headings start at h2 and never skip a level (`#` then `###` gives h2, h3), which
 * keeps the page's outline valid whatever levels were typed.
 */
const HEADING_BASE = 2;
markdown.core.ruler.push('content_headings', (state) => {
  let previous = HEADING_BASE - 1;
  let tag = '';
  for (const token of state.tokens) {
    if (token.type === 'heading_open') {
      const typed = Number(token.tag.slice(1));
      previous = Math.min(HEADING_BASE - 1 + typed, previous + 1, 6);
      tag = `h${previous}`;
      token.tag = tag;
    } else if (token.type === 'heading_close') {
      token.tag = tag;
    }
  }
});

// Column alignment as a class, not a style attribute: the CSP allows no inline style.
markdown.core.ruler.push('table_alignment', (state) => {
  for (const token of state.tokens) {
    const align = token.type === 'th_open' || token.type === 'td_open' ? /^text-align:(left|right|center)$/.exec(token.attrGet('style') ?? '') : null;
    if (!align) continue;
    token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'style');
    token.attrSet('class', `align-${align[1]}`);
  }
});

// An image becomes a link to it, followed by "(image)": readers' browsers fetch
// nothing from hosts a writer chose (no tracking pixels, no hotlinked megabytes).
// Inside a link (a linked badge) only its text is kept: links do not nest.
markdown.renderer.rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const src = token.attrGet('src') ?? '';
  const text = escapeHtml(self.renderInlineAsText(token.children ?? [], options, env) || src);
  const depth = tokens.slice(0, idx).reduce((open, t) => open + (t.type === 'link_open' ? 1 : t.type === 'link_close' ? -1 : 0), 0);
  return depth > 0 ? text : `<a href="${escapeHtml(src)}">${text}</a> (image)`;
};

interface MentionsEnv {
  mentions: Set<string>;
  /** Lower-cased names that may be linked; absent: any. */
  known?: ReadonlySet<string>;
}

/** `@name`: a username (USERNAME_RE's characters) after a start, a space or punctuation, not inside a word or an address. */
const MENTION = /(^|[^\w@/.-])@([A-Za-z0-9_-]{3,30})(?![\w-])/g;

// "@name" in text becomes a link to the profile; inside links and code it stays text, and so
// does a name not in env.known when that is given. The names linked are collected in
// env.mentions, for the notifications of the comment.
markdown.core.ruler.push('mentions', (state) => {
  const { mentions, known } = state.env as MentionsEnv;
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    let linkDepth = 0;
    const children = [];
    for (const token of block.children) {
      if (token.type === 'link_open') linkDepth++;
      if (token.type === 'link_close') linkDepth--;
      if (token.type !== 'text' || linkDepth > 0 || !token.content.includes('@')) {
        children.push(token);
        continue;
      }
      let last = 0;
      for (const match of token.content.matchAll(MENTION)) {
        const at = match.index + match[1]!.length;
        const name = match[2]!;
        if (known && !known.has(name.toLowerCase())) continue;
        const before = new state.Token('text', '', 0);
        before.content = token.content.slice(last, at);
        const open = new state.Token('link_open', 'a', 1);
        open.attrs = [['href', `/profile/${name}/`]];
        const text = new state.Token('text', '', 0);
        text.content = `@${name}`;
        children.push(before, open, text, new state.Token('link_close', 'a', -1));
        mentions.add(name.toLowerCase());
        last = at + 1 + name.length;
      }
      const rest = new state.Token('text', '', 0);
      rest.content = token.content.slice(last);
      children.push(rest);
    }
    block.children = children;
  }
});

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'hr', 'em', 'strong', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'], th: ['class'], td: ['class'] },
  allowedClasses: { th: ['align-left', 'align-right', 'align-center'], td: ['align-left', 'align-right', 'align-center'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow ugc noopener' } }),
  },
};

/** Markdown source to sanitised HTML; called once on write, the result is stored. */
export function renderMarkdown(source: string): string {
  return renderWithMentions(source).html;
}

/**
 * The HTML, and the (lower-cased) names it mentions as links: a comment
 * notifies them. `known`: only these names are linked (forum/text.ts: the
 * accounts that exist).
 */
export function renderWithMentions(source: string, known?: ReadonlySet<string>): { html: string; mentions: string[] } {
  if (source.trim() === '') return { html: '', mentions: [] };
  const env: MentionsEnv = { mentions: new Set<string>(), known };
  return { html: sanitizeHtml(markdown.render(source, env), SANITIZE), mentions: [...env.mentions] };
}
