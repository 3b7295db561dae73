/**
 * Where simulated clients connect from: per country, a few real access networks (fixed broadband
 * and mobile carriers), and the hosting providers that scripted traffic comes from. Each entry is
 * a real announced block of that AS: `test/networks.test.ts` checks every block against the
 * ip-location-db ASN table (`@ip-location-db/asn`, the same data the collectors enrich with), so
 * IP-to-ASN enrichment downstream agrees with the `asn` the simulator puts on the wire.
 */

export type NetworkKind = 'fixed' | 'mobile' | 'hosting';

export interface NetworkBlock {
  asn: number;
  org: string;
  kind: NetworkKind;
  /** An IPv4 block announced by `asn`. */
  cidr: string;
}

const block = (asn: number, org: string, kind: NetworkKind, cidr: string): NetworkBlock => ({ asn, org, kind, cidr });

/** Eyeball networks per destination country (users request codes from the country of their number). */
export const ACCESS_NETWORKS: Readonly<Record<string, readonly NetworkBlock[]>> = {
  US: [
    block(7922, 'Comcast Cable Communications', 'fixed', '73.162.0.0/16'),
    block(20115, 'Charter Communications', 'fixed', '174.80.0.0/16'),
    block(7018, 'AT&T', 'fixed', '107.192.0.0/16'),
    block(21928, 'T-Mobile USA', 'mobile', '172.56.0.0/16'),
    block(6167, 'Verizon Wireless', 'mobile', '97.230.0.0/16'),
  ],
  IN: [
    block(55836, 'Reliance Jio Infocomm', 'mobile', '157.32.0.0/16'),
    block(45609, 'Bharti Airtel', 'mobile', '27.59.0.0/16'),
    block(38266, 'Vodafone Idea', 'mobile', '42.106.0.0/16'),
    block(9829, 'Bharat Sanchar Nigam', 'fixed', '117.192.0.0/16'),
  ],
  BR: [
    block(28573, 'Claro NXT', 'fixed', '177.32.0.0/16'),
    block(26599, 'Telefonica Brasil', 'mobile', '152.240.0.0/16'),
    block(26615, 'TIM', 'mobile', '179.72.0.0/16'),
  ],
  ID: [
    block(23693, 'Telkomsel', 'mobile', '39.192.0.0/16'),
    block(7713, 'Telkom Indonesia', 'fixed', '36.64.0.0/16'),
    block(4761, 'Indosat', 'mobile', '120.160.0.0/16'),
  ],
  MX: [
    block(8151, 'Telmex (Uninet)', 'fixed', '148.212.0.0/16'),
    block(28403, 'Telcel (RadioMovil Dipsa)', 'mobile', '200.68.160.0/20'),
    block(22884, 'Totalplay', 'fixed', '148.224.64.0/18'),
  ],
  GB: [
    block(2856, 'British Telecommunications', 'fixed', '86.128.0.0/16'),
    block(5607, 'Sky UK', 'fixed', '90.192.0.0/16'),
    block(5089, 'Virgin Media', 'fixed', '82.0.0.0/16'),
    block(25135, 'Vodafone UK', 'mobile', '148.252.128.0/18'),
  ],
  DE: [
    block(3320, 'Deutsche Telekom', 'fixed', '79.192.0.0/16'),
    block(3209, 'Vodafone GmbH', 'fixed', '88.64.0.0/16'),
    block(6805, 'Telefonica Germany', 'mobile', '77.0.0.0/16'),
  ],
  FR: [
    block(3215, 'Orange', 'fixed', '90.0.0.0/16'),
    block(12322, 'Free', 'fixed', '82.224.0.0/16'),
    block(15557, 'SFR', 'fixed', '93.0.0.0/16'),
    block(5410, 'Bouygues Telecom', 'mobile', '89.80.0.0/16'),
  ],
  PH: [
    block(9299, 'PLDT', 'fixed', '112.200.0.0/16'),
    block(4775, 'Globe Telecom', 'mobile', '1.37.128.0/17'),
    block(10139, 'Smart Broadband', 'mobile', '121.54.0.0/17'),
  ],
  NG: [
    block(29465, 'MTN Nigeria', 'mobile', '102.88.0.0/16'),
    block(36873, 'Airtel Nigeria', 'mobile', '105.114.0.0/16'),
    block(37148, 'Globacom', 'mobile', '41.203.64.0/19'),
  ],
  VN: [
    block(7552, 'Viettel', 'mobile', '27.64.0.0/16'),
    block(45899, 'VNPT', 'fixed', '14.160.0.0/16'),
    block(18403, 'FPT Telecom', 'fixed', '42.112.0.0/16'),
  ],
  ES: [
    block(3352, 'Telefonica de Espana', 'fixed', '83.32.0.0/16'),
    block(12479, 'Orange Espagne', 'fixed', '85.48.0.0/16'),
    block(12430, 'Vodafone Espana', 'mobile', '77.208.0.0/16'),
  ],
  IT: [
    block(3269, 'Telecom Italia', 'fixed', '79.0.0.0/16'),
    block(30722, 'Vodafone Italia', 'mobile', '5.88.0.0/16'),
    block(1267, 'Wind Tre', 'mobile', '94.160.0.0/16'),
  ],
  TR: [
    block(9121, 'Turk Telekom', 'fixed', '85.96.0.0/16'),
    block(16135, 'Turkcell', 'mobile', '5.24.0.0/16'),
    block(15897, 'Vodafone Turkey', 'mobile', '46.154.0.0/16'),
  ],
  PK: [
    block(17557, 'PTCL', 'fixed', '39.32.0.0/16'),
    block(45669, 'Jazz (Mobilink)', 'mobile', '154.80.0.0/17'),
    block(59257, 'Zong (CMPak)', 'mobile', '223.123.0.0/19'),
  ],
  CA: [
    block(812, 'Rogers Communications', 'fixed', '99.224.0.0/16'),
    block(577, 'Bell Canada', 'fixed', '142.180.0.0/16'),
    block(852, 'TELUS', 'mobile', '23.16.0.0/16'),
  ],
  EG: [
    block(8452, 'TE Data', 'fixed', '156.192.0.0/16'),
    block(36935, 'Vodafone Egypt', 'mobile', '196.140.0.0/16'),
    block(24863, 'LINKdotNET', 'fixed', '41.128.0.0/16'),
  ],
  TH: [
    block(7470, 'True Internet', 'fixed', '119.76.0.0/16'),
    block(133481, 'AIS (Advanced Wireless Network)', 'mobile', '49.228.0.0/16'),
    block(45758, '3BB (Triple T Broadband)', 'fixed', '171.4.0.0/16'),
  ],
  BD: [
    block(24389, 'Grameenphone', 'mobile', '37.111.192.0/18'),
    block(24432, 'Robi (Axiata Bangladesh)', 'mobile', '58.145.184.0/21'),
    block(45245, 'Banglalink', 'mobile', '59.152.0.0/21'),
  ],
  JP: [
    block(4713, 'NTT Communications (OCN)', 'fixed', '153.128.0.0/16'),
    block(2516, 'KDDI', 'mobile', '106.128.0.0/16'),
    block(17676, 'SoftBank', 'mobile', '60.64.0.0/16'),
  ],
  CO: [
    block(10620, 'Claro Colombia (Telmex)', 'fixed', '181.51.128.0/18'),
    block(13489, 'Tigo UNE (EPM)', 'fixed', '181.128.0.0/16'),
    block(3816, 'Movistar Colombia', 'mobile', '152.202.0.0/16'),
  ],
  AR: [block(7303, 'Telecom Argentina', 'fixed', '181.95.0.0/16'), block(22927, 'Telefonica de Argentina', 'mobile', '186.128.0.0/16')],
  AU: [
    block(1221, 'Telstra', 'mobile', '1.120.0.0/16'),
    block(4804, 'Optus', 'mobile', '49.176.0.0/16'),
    block(7545, 'TPG Internet', 'fixed', '14.200.0.0/16'),
  ],
  ZA: [
    block(29975, 'Vodacom', 'mobile', '41.26.0.0/16'),
    block(16637, 'MTN South Africa', 'mobile', '105.210.0.0/16'),
    block(37457, 'Telkom SA', 'fixed', '105.224.0.0/16'),
  ],
  SA: [
    block(25019, 'Saudi Telecom (STC)', 'mobile', '37.104.0.0/16'),
    block(35819, 'Mobily (Etihad Etisalat)', 'mobile', '5.108.0.0/16'),
    block(43766, 'Zain Saudi Arabia', 'mobile', '51.36.0.0/16'),
  ],
  MY: [
    block(4788, 'TM (Unifi)', 'fixed', '175.136.0.0/16'),
    block(9534, 'Maxis', 'mobile', '121.120.0.0/16'),
    block(10030, 'Celcom', 'mobile', '183.171.0.0/16'),
  ],
  KR: [
    block(4766, 'Korea Telecom', 'fixed', '175.224.0.0/16'),
    block(9318, 'SK Broadband', 'fixed', '1.226.0.0/16'),
    block(17858, 'LG U+ (Powercomm)', 'mobile', '182.208.0.0/16'),
  ],
  PL: [
    block(5617, 'Orange Polska', 'fixed', '83.24.0.0/16'),
    block(12912, 'T-Mobile Polska', 'mobile', '37.30.0.0/16'),
    block(39603, 'Play (P4)', 'mobile', '31.174.0.0/16'),
  ],
  KE: [block(33771, 'Safaricom', 'mobile', '105.160.0.0/16'), block(36926, 'Airtel Kenya', 'mobile', '154.152.0.0/16')],
  NL: [
    block(1136, 'KPN', 'fixed', '77.160.0.0/16'),
    block(33915, 'VodafoneZiggo', 'fixed', '83.80.0.0/16'),
    block(50266, 'Odido (T-Mobile NL)', 'mobile', '188.88.0.0/16'),
  ],
  LK: [
    block(18001, 'Dialog Axiata', 'mobile', '175.157.0.0/16'),
    block(9329, 'Sri Lanka Telecom', 'fixed', '112.134.0.0/16'),
    block(45356, 'Mobitel', 'mobile', '61.245.160.0/20'),
  ],
  UZ: [
    block(8193, 'Uzbektelekom', 'fixed', '213.230.64.0/18'),
    block(41202, 'Unitel (Beeline UZ)', 'mobile', '37.110.208.0/21'),
    block(49273, 'COSCOM (Ucell)', 'mobile', '188.113.192.0/18'),
  ],
  MM: [
    block(9988, 'Myanma Posts and Telecommunications', 'mobile', '203.81.64.0/19'),
    block(133385, 'Atom Myanmar', 'mobile', '37.111.64.0/19'),
  ],
  KW: [block(42961, 'Zain Kuwait', 'mobile', '37.36.0.0/16'), block(9155, 'Qualitynet', 'fixed', '94.29.128.0/17')],
  AZ: [
    block(29049, 'Delta Telecom', 'fixed', '31.171.16.0/20'),
    block(31721, 'Azercell', 'mobile', '5.191.0.0/17'),
    block(197830, 'Bakcell', 'mobile', '5.44.32.0/21'),
  ],
  KG: [
    block(12997, 'Kyrgyztelecom', 'fixed', '37.218.128.0/18'),
    block(41329, 'Sky Mobile (Beeline KG)', 'mobile', '91.247.56.0/21'),
    block(8449, 'ElCat', 'fixed', '5.57.8.0/21'),
  ],
  TJ: [block(24722, 'Babilon-T', 'fixed', '217.11.176.0/20'), block(43197, 'TT mobile (MegaFon TJ)', 'mobile', '109.68.232.0/21')],
  PG: [block(58460, 'Digicel PNG', 'mobile', '203.83.16.0/21'), block(38009, 'Telikom PNG', 'fixed', '124.240.192.0/19')],
  CL: [block(27995, 'Claro Chile', 'mobile', '191.118.0.0/17'), block(27651, 'Entel Chile', 'mobile', '181.43.0.0/16')],
  PE: [block(6147, 'Telefonica del Peru', 'fixed', '181.64.0.0/16'), block(21575, 'Entel Peru', 'mobile', '132.157.0.0/16')],
  GH: [block(30986, 'MTN Ghana (Scancom)', 'mobile', '154.160.0.0/16'), block(29614, 'Vodafone Ghana', 'mobile', '41.155.0.0/17')],
  NZ: [block(4771, 'Spark New Zealand', 'fixed', '122.57.0.0/16'), block(9500, 'One New Zealand', 'mobile', '27.252.0.0/16')],
};

/**
 * Cloud and VPS providers: a few legitimate users come through them (VPNs, office egress), and
 * scripted attacks mostly do. AWS, DigitalOcean, OVH and Hetzner top the abuse reports for
 * automated signups; M247 and Vultr (The Constant Company) host many commercial VPN and proxy exits.
 */
export const HOSTING_NETWORKS: readonly NetworkBlock[] = [
  block(16509, 'Amazon.com (AWS)', 'hosting', '3.120.0.0/16'),
  block(14061, 'DigitalOcean', 'hosting', '45.55.0.0/16'),
  block(16276, 'OVH', 'hosting', '54.36.0.0/16'),
  block(24940, 'Hetzner Online', 'hosting', '49.12.0.0/16'),
  block(9009, 'M247 Europe', 'hosting', '146.70.16.0/20'),
  block(20473, 'Vultr (The Constant Company)', 'hosting', '45.76.0.0/16'),
];
