// Submitted links: validation, the domain shown beside a title, and the key
// under which earlier submissions of the same page are found.
const TRACKING_PARAM = /^(utm_[a-z]+|fbclid|gclid|mc_[a-z]+)$/i;

export interface ParsedLink {
  url: string;
  domain: string;
  key: string;
}

/** null when the text is not an absolute http(s) URL. */
export function parseLink(text: string): ParsedLink | null {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || !url.hostname.includes('.') && url.hostname !== 'localhost') return null;
  const domain = url.hostname.replace(/^www\./, '');
  const params = [...url.searchParams].filter(([name]) => !TRACKING_PARAM.test(name));
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = new URLSearchParams(params).toString();
  const path = url.pathname.replace(/\/+$/, '') || '';
  return { url: url.href, domain, key: `${domain}${url.port ? ':' + url.port : ''}${path}${query ? '?' + query : ''}` };
}
