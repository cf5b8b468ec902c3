/** IP address helpers shared by the rules, the policy checks, the renderers and the probe. */

/** The eight groups of an IPv6 address as numbers (`::` expanded), or undefined when it is none. */
export function groups6(address: string): number[] | undefined {
  const [head = '', tail] = address.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const all = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16));
}

/** Host names that resolve to a loopback address on every system sendmail runs on. */
const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/**
 * Whether an address (or one of the names above) is loopback: 127.0.0.0/8 (also in the short forms
 * inet_aton reads, `127.1`), ::1 in any spelling (0:0:0:0:0:0:0:1), and IPv4-mapped ::ffff:127.x.y.z.
 */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(a) || /^127(\.\d+){0,3}$/.test(a) || /^::ffff:127\./.test(a)) return true;
  const g = a.includes(':') ? groups6(a) : undefined;
  return g !== undefined && g.every((x, i) => x === (i === 7 ? 1 : 0));
}
