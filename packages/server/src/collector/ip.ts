import { isIP } from 'node:net';

export type IpTruncation = 'none' | 'last-octet' | 'remove';

/**
 * Applies the configured IP policy: `last-octet` zeroes the host part (IPv4 /24, IPv6 /48, as
 * analytics tools commonly anonymise), `remove` stores nothing. Invalid addresses are dropped.
 */
export function truncateIp(ip: string | undefined, mode: IpTruncation): string | undefined {
  if (!ip || mode === 'remove') return undefined;
  const v4mapped = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(v4mapped);
  if (family === 0) return undefined;
  if (mode === 'none') return v4mapped;
  if (family === 4) return v4mapped.replace(/\.\d+$/, '.0');
  const groups = expandIpv6(v4mapped);
  return `${groups.slice(0, 3).join(':')}::`;
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = Array.from({ length: Math.max(0, 8 - h.length - t.length) }, () => '0');
  return [...h, ...fill, ...t];
}
