import { isIP } from 'node:net';

/** What the operator lets the server reach although it is internal: address ranges and host names. */
export interface EgressAllow {
  ranges: { network: string; prefix: number }[];
  /** Lower-case host names, allowed whatever they resolve to. */
  hosts: string[];
}

// A DNS name: dot-separated labels of letters, digits and hyphens (RFC 1123).
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * `TOLLGATE_EGRESS_ALLOW`: entries separated by commas or spaces, each a CIDR range
 * (`10.20.0.0/16`, `fd00::/8`), an address (`127.0.0.1`, one address) or a host name
 * (`hooks.internal`). Empty or unset allows nothing internal. A bad entry throws, naming it and
 * the fix: the server does not start on a misread allowlist.
 */
export function parseEgressAllow(text: string | undefined): EgressAllow {
  const allow: EgressAllow = { ranges: [], hosts: [] };
  for (const entry of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    const [network = '', prefixText] = entry.split('/');
    const version = isIP(network);
    if (version !== 0) {
      const maxPrefix = version === 6 ? 128 : 32;
      const prefix = prefixText === undefined ? maxPrefix : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
      if (!(prefix >= 0 && prefix <= maxPrefix))
        throw new Error(`TOLLGATE_EGRESS_ALLOW: "${entry}" has no valid prefix length (0-${maxPrefix}): write e.g. 10.0.0.0/8`);
      allow.ranges.push({ network, prefix });
    } else if (prefixText === undefined && HOST_NAME.test(entry.toLowerCase())) {
      allow.hosts.push(entry.toLowerCase());
    } else {
      throw new Error(
        `TOLLGATE_EGRESS_ALLOW: "${entry}" is neither a CIDR range, an IP address nor a host name: write e.g. 10.0.0.0/8, 127.0.0.1 or hooks.internal`,
      );
    }
  }
  return allow;
}
