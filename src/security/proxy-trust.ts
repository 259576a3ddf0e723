// Which hops' X-Forwarded-* headers to believe (TRUST_PROXY), as one function
// that Fastify and the front door (web/front-door.ts) both ask, so the scheme
// and host a page was made for and the ones a later request names are read
// by the same rule.
import proxyAddr from '@fastify/proxy-addr';

/** Whether the hop at this address (0: the peer, 1: the one before…) is a proxy to believe. */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** TRUST_PROXY as a function: everyone, no one, a hop count, or a list of addresses and ranges. */
export function proxyTrust(setting: boolean | number | string): ProxyTrust {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting.split(',').map((entry) => entry.trim()));
}
