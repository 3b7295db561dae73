/**
 * Networks whose addresses belong to servers, not to people: clouds, VPS and dedicated hosting,
 * datacenter proxies. A real user asks for an OTP from a phone or a home or office connection;
 * a burst of OTP requests from these networks is scripted, which is the shape of SMS pumping.
 *
 * Matched against the organisation names of @ip-location-db/asn (RouteViews + DB-IP), which carry
 * the registrant's name ("Amazon.com, Inc.", "Hetzner Online GmbH"). Patterns are anchored or
 * bounded where a bare word would catch unrelated networks ("Amazonas" ISPs in Brazil, "Vultris").
 *
 * Deliberately left out: Cloudflare, Fastly and Akamai's CDN networks. iCloud Private Relay and
 * Cloudflare WARP send real users' traffic from them, so flagging them would mark genuine sign-ups
 * as datacenter traffic. Linode is Akamai too but is listed by its ASN, which serves only hosting.
 */
export interface HostingPattern {
  provider: string;
  org?: RegExp;
  asns?: readonly number[];
}

export const HOSTING_ASN_PATTERNS: readonly HostingPattern[] = [
  { provider: 'Amazon Web Services', org: /^Amazon(?:\.com\b| Data Services| Technologies| Connection Technology| Web Services)/i },
  { provider: 'Google Cloud', org: /^Google(?:,? LLC| Cloud| Asia Pacific| Ireland)/i },
  { provider: 'Microsoft Azure', org: /^Microsoft (?:Corporation|Limited|Deutschland MCIO)/i },
  { provider: 'Oracle Cloud', org: /^Oracle (?:Corporation|America|Svenska)/i },
  { provider: 'IBM Cloud', org: /\bIBM Cloud\b|\bSoftLayer\b/i },
  { provider: 'Alibaba Cloud', org: /^Alibaba (?:Cloud|\(US\) Technology)|^Hangzhou Alibaba Advertising/i },
  { provider: 'Tencent Cloud', org: /\bTencent\b/i },
  { provider: 'Huawei Cloud', org: /^HUAWEI (?:INTERNATIONAL PTE|CLOUDS?\b)/i },
  { provider: 'Kingsoft Cloud', org: /^Kingsoft cloud/i },
  { provider: 'UCloud', org: /^UCLOUD INFORMATION TECHNOLOGY/i },
  { provider: 'NAVER Cloud', org: /^NAVER (?:Cloud|BUSINESS PLATFORM)/i },
  { provider: 'DigitalOcean', org: /\bDigitalOcean\b/i },
  { provider: 'OVHcloud', org: /\bOVH\b/i },
  { provider: 'Hetzner', org: /\bHetzner\b/i },
  { provider: 'Linode (Akamai Connected Cloud)', org: /\bLinode\b/i, asns: [63949] },
  { provider: 'Vultr', org: /\bChoopa\b|\bVultr\b|^The Constant Company/i },
  { provider: 'Contabo', org: /\bContabo\b/i },
  { provider: 'Leaseweb', org: /\bLease ?Web\b/i },
  { provider: 'Scaleway', org: /\bScaleway\b|^Online S\.?A\.?S\.?$/i },
  { provider: 'M247', org: /\bM247\b/i },
  { provider: 'Datacamp / CDN77', org: /\bDatacamp\b/i },
  { provider: 'Kamatera', org: /\bKamatera\b/i },
  { provider: 'UpCloud', org: /\bUpCloud\b/i },
  { provider: 'Hostinger', org: /\bHostinger\b/i },
  { provider: 'netcup', org: /\bnetcup\b/i },
  { provider: 'Cherry Servers', org: /\bCherry Servers\b/i },
  { provider: 'Clouvider', org: /\bClouvider\b/i },
  { provider: 'Zenlayer', org: /\bZenlayer\b/i },
  { provider: 'G-Core Labs', org: /\bG-?Core\b/i },
  { provider: 'phoenixNAP', org: /\bPhoenixNAP\b/i },
  { provider: 'HostRoyale', org: /\bHostRoyale\b/i },
  { provider: 'Aeza', org: /\bAeza\b/i },
  { provider: 'Stark Industries', org: /\bStark Industries\b/i },
  { provider: 'Selectel', org: /\bSelectel\b/i },
  { provider: 'Timeweb', org: /\bTimeweb\b/i },
  { provider: 'HOSTKEY', org: /\bHOSTKEY\b/i },
  { provider: 'Psychz Networks', org: /\bPsychz\b/i },
  { provider: 'tzulo', org: /\btzulo\b/i },
  { provider: 'DediPath', org: /\bDediPath\b/i },
  { provider: 'Worldstream', org: /\bWorldStream\b/i },
  { provider: 'Serverius', org: /\bServerius\b/i },
  { provider: 'Interserver', org: /\bInterserver\b/i },
  { provider: 'Hivelocity', org: /\bHIVELOCITY\b/i },
  { provider: 'GigeNET', org: /\bGigeNET\b/i },
  { provider: 'QuadraNet', org: /\bQuadraNet\b/i },
  { provider: 'ColoCrossing', org: /\bColoCrossing\b/i },
  { provider: 'FranTech / BuyVM', org: /\bFranTech\b|\bBuyVM\b/i },
  { provider: 'Liquid Web', org: /\bLiquid Web\b/i },
  { provider: 'Rackspace', org: /\bRackspace\b/i },
  { provider: 'i3D.net', org: /\bi3D\.net\b/i },
];

export function isHostingNetwork(org: string, asn: number): boolean {
  return isHostingOrg(org) || HOSTING_ASNS.has(asn);
}

/** AS numbers listed by number, for a lookup instead of a walk over every pattern. */
const HOSTING_ASNS: ReadonlySet<number> = new Set(HOSTING_ASN_PATTERNS.flatMap((pattern) => pattern.asns ?? []));

/**
 * Whether an organisation name matches a hosting pattern: the costly half of isHostingNetwork
 * (dozens of regular expressions), which depends on the name alone, so callers can keep its
 * answer per organisation.
 */
export function isHostingOrg(org: string): boolean {
  for (const pattern of HOSTING_ASN_PATTERNS) if (pattern.org?.test(org) === true) return true;
  return false;
}

/** Whether an AS number is listed as hosting by number (the cheap half of isHostingNetwork). */
export function isHostingAsn(asn: number): boolean {
  return HOSTING_ASNS.has(asn);
}
