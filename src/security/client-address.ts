import { isIPv6 } from 'node:net';

/**
 * The part of a client's address that one party controls, for per-address
 * limits: an IPv4 address as it is, an IPv6 address by its /64 (a single host
 * is routinely given a whole /64 and could otherwise take a new address per try).
 */
export function clientAddressKey(ip: string): string {
  const mappedV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mappedV4) return mappedV4[1]!;
  const address = ip.replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  if (!isIPv6(address)) return ip;
  const groupsIn = (part: string) => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const [head = '', tail] = address.split('::');
  const before = groupsIn(head);
  const after = tail === undefined ? [] : groupsIn(tail);
  const groups = [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
