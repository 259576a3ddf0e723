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
  if (source.trim() === '') return '';
  return sanitizeHtml(markdown.render(source), SANITIZE);
}
