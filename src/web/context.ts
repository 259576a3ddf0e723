import type { Can } from '../access/policy.js';
import type { SessionUser } from '../accounts/sessions.js';

/** What every page needs to know about the request it answers. */
export interface ViewContext {
  user: SessionUser | null;
  /** The policy's `can` for this user: a template shows a control only when it allows. */
  can: Can;
  /** Whether an account that joined then is young enough to be marked as new (NEW_ACCOUNT_DAYS). */
  isNewAccount(joinedAt: number): boolean;
  /** The session's CSRF token (signed in), or the login form's signed token. */
  csrfToken: string | null;
  /** Path and query of this request, for "log in and come back" links. */
  path: string;
  now: number;
  assets: Assets;
}

/** Fingerprinted static file URLs, from the build's manifest. */
export interface Assets {
  css: string;
  js: string;
  /** Icons: the .ico (also answered at /favicon.ico), the SVG mark, the 180 px PNG for iOS. */
  favicon: string;
  iconSvg: string;
  appleTouchIcon: string;
  /** The web app manifest's icons (src/web/pwa.ts): 192 and 512 px, and 512 px maskable. */
  icon192: string;
  icon512: string;
  iconMaskable: string;
}
