import { describe, expect, it } from 'vitest';
import { clientAddressKey } from './client-address.js';

describe('clientAddressKey', () => {
  it('keeps IPv4 addresses, also when written as IPv4-mapped IPv6', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('groups IPv6 addresses by their /64, however they are written', () => {
    const key = '2001:db8:0:42::/64';
    expect(clientAddressKey('2001:db8:0:42::1')).toBe(key);
    expect(clientAddressKey('2001:0db8:0000:0042:aaaa:bbbb:cccc:dddd')).toBe(key);
    expect(clientAddressKey('2001:DB8:0:42:1::')).toBe(key);
    expect(clientAddressKey('2001:db8:0:43::1')).not.toBe(key);
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientAddressKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('passes anything else through (a proxy-given value it cannot parse still limits itself)', () => {
    expect(clientAddressKey('unknown')).toBe('unknown');
  });
});
