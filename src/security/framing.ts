// Who may put a page in a frame, declared per route like Django's
// xframe_options_* decorators: `config: { framing: 'embed' }`. A route that
// says nothing is never framed (clickjacking).

export type FramingRule = 'deny' | 'sameorigin' | 'embed';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may frame this route's responses; 'deny' when absent. */
    framing?: FramingRule;
  }
}

export const DEFAULT_FRAMING: FramingRule = 'deny';

export interface FramingHeaders {
  /** The CSP `frame-ancestors` source list. */
  frameAncestors: string;
  /** X-Frame-Options for browsers without CSP; absent where it cannot express the rule. */
  xFrameOptions: string | undefined;
}

/** The headers of each rule; `embed` allows `embedOrigins`, or every site when the list is empty. */
export function framingPolicies(embedOrigins: readonly string[]): Record<FramingRule, FramingHeaders> {
  return {
    deny: { frameAncestors: "'none'", xFrameOptions: 'DENY' },
    sameorigin: { frameAncestors: "'self'", xFrameOptions: 'SAMEORIGIN' },
    // X-Frame-Options can say neither "anyone" nor a list (ALLOW-FROM is gone from
    // browsers): embeddable responses go without it, and CSP alone speaks.
    embed: { frameAncestors: embedOrigins.length > 0 ? embedOrigins.join(' ') : '*', xFrameOptions: undefined },
  };
}
