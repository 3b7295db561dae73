/**
 * The destination countries of the simulated OTP traffic: how much of it each gets, what a
 * message costs there, how its users convert, its clock, and the mobile number ranges numbers are
 * drawn from. Every range was checked against libphonenumber-js/max (`test/phone-number.test.ts`
 * keeps it that way): any number of the right length under a listed leading digit string is a valid
 * mobile number of that country.
 *
 * Sources and assumptions:
 * - trafficShare: relative OTP volume of a global consumer app; users follow smartphone
 *   populations (US, India, Brazil, Indonesia lead), rich markets over-represented. The high-cost
 *   pumping targets get a trickle of real users; launch candidates get none until a `new_market`
 *   scenario opens them.
 * - smsPriceUsd: list price of one outbound SMS segment on the major CPaaS price pages (Twilio,
 *   Vonage, 2024-2025), rounded. Anchors: US 0.0083, GB 0.04, DE 0.08, FR 0.07, IN 0.005,
 *   ID 0.35, NG 0.25. The pumping targets (Central Asia, Caucasus, South Asia, Pacific, Gulf)
 *   are the expensive, revenue-sharing terminations that fraud reports keep naming.
 * - segments: 2 where localized templates are UCS-2 and the anti-phishing line ("never share
 *   this code", which OTP messages should carry) pushes them past 70 characters.
 * - conversion: share of sessions with a delivered code that verify; observed OTP conversion is
 *   80-93%, lower where delivery is slow or numbers are shared.
 * - deliveredShare: share of accepted messages with a delivered receipt; lower on routes with
 *   grey-route filtering and congested networks.
 * - utcOffsetHours: the offset of the main population centre, without daylight saving time.
 */
import { ROUTING, type ProviderRouting } from './providers.catalog.ts';

export interface MobileRange {
  callingCode: string;
  /** The range in compact international form: "+", calling code, leading digits ("+99890"). */
  prefix: string;
  /** Leading digits of the national significant number. */
  leading: string;
  /** Digits in the national significant number. */
  length: number;
}

export interface CountryProfile {
  iso: string;
  callingCode: string;
  utcOffsetHours: number;
  trafficShare: number;
  smsPriceUsd: number;
  segments: number;
  conversion: number;
  deliveredShare: number;
  /** A known target of SMS pumping: expensive terminations with revenue share. */
  highCost: boolean;
  routing: ProviderRouting;
  mobileRanges: readonly MobileRange[];
}

type CountryRow = Omit<CountryProfile, 'mobileRanges'> & { nationalLength: number; leading: string };

const ROWS: readonly CountryRow[] = [
  // Mainstream markets.
  { iso: 'US', callingCode: '1', utcOffsetHours: -6, trafficShare: 16, smsPriceUsd: 0.0083, segments: 1, conversion: 0.92, deliveredShare: 0.985, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 10, leading: '21295 64632 91723 41552 31024 31248 71340 30526 20678 40472 61754 21432' },
  { iso: 'IN', callingCode: '91', utcOffsetHours: 5.5, trafficShare: 13, smsPriceUsd: 0.005, segments: 1, conversion: 0.86, deliveredShare: 0.965, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 10, leading: '9810 9820 9845 7021 8879 6300 9000 9123' },
  { iso: 'BR', callingCode: '55', utcOffsetHours: -3, trafficShare: 8, smsPriceUsd: 0.035, segments: 1, conversion: 0.88, deliveredShare: 0.975, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 11, leading: '11961 11987 21998 31991 41996 51998 81997' },
  { iso: 'ID', callingCode: '62', utcOffsetHours: 7, trafficShare: 6, smsPriceUsd: 0.35, segments: 1, conversion: 0.85, deliveredShare: 0.955, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 11, leading: '812 813 815 821 852 857 878 896' },
  { iso: 'MX', callingCode: '52', utcOffsetHours: -6, trafficShare: 4.5, smsPriceUsd: 0.035, segments: 1, conversion: 0.87, deliveredShare: 0.975, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 10, leading: '551 552 554 559 331 811 2221' },
  { iso: 'GB', callingCode: '44', utcOffsetHours: 0, trafficShare: 4.5, smsPriceUsd: 0.04, segments: 1, conversion: 0.93, deliveredShare: 0.985, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 10, leading: '7400 7456 7500 7711 7723 7800 7875 7900 7944' },
  { iso: 'DE', callingCode: '49', utcOffsetHours: 1, trafficShare: 3.5, smsPriceUsd: 0.08, segments: 1, conversion: 0.93, deliveredShare: 0.985, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 11, leading: '151 152 157 160 162 170 171 172 176 179' },
  { iso: 'FR', callingCode: '33', utcOffsetHours: 1, trafficShare: 3.5, smsPriceUsd: 0.07, segments: 1, conversion: 0.92, deliveredShare: 0.985, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '61 62 630 66 67 68 695 75 76 77 78' },
  { iso: 'PH', callingCode: '63', utcOffsetHours: 8, trafficShare: 3.5, smsPriceUsd: 0.19, segments: 1, conversion: 0.85, deliveredShare: 0.965, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 10, leading: '905 906 915 917 918 919 920 921 926 927 928 935 939 945 947 949 955 977 995 998 999' },
  { iso: 'NG', callingCode: '234', utcOffsetHours: 1, trafficShare: 3, smsPriceUsd: 0.25, segments: 1, conversion: 0.84, deliveredShare: 0.95, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 10, leading: '701 703 706 802 803 805 806 807 808 812 813 815 816 902' },
  { iso: 'VN', callingCode: '84', utcOffsetHours: 7, trafficShare: 2.5, smsPriceUsd: 0.08, segments: 1, conversion: 0.86, deliveredShare: 0.97, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 9, leading: '32 33 34 35 36 37 38 39 70 76 77 78 79 81 82 83 84 85 90 91 93 94 96 97 98' },
  { iso: 'ES', callingCode: '34', utcOffsetHours: 1, trafficShare: 2.2, smsPriceUsd: 0.075, segments: 1, conversion: 0.91, deliveredShare: 0.985, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '600 610 611 620 622 630 644 650 655 660 670 680 690' },
  { iso: 'IT', callingCode: '39', utcOffsetHours: 1, trafficShare: 2.2, smsPriceUsd: 0.08, segments: 1, conversion: 0.91, deliveredShare: 0.98, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 10, leading: '320 328 329 330 333 334 335 338 339 340 347 348 349 366 380 388 389 391 392 393' },
  { iso: 'TR', callingCode: '90', utcOffsetHours: 3, trafficShare: 2.2, smsPriceUsd: 0.03, segments: 1, conversion: 0.88, deliveredShare: 0.975, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 10, leading: '505 506 507 530 532 533 535 536 537 538 539 541 542 543 544 545 546 551 552 553 554 555' },
  { iso: 'PK', callingCode: '92', utcOffsetHours: 5, trafficShare: 2.2, smsPriceUsd: 0.26, segments: 1, conversion: 0.84, deliveredShare: 0.955, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 10, leading: '300 301 302 303 321 333 345' },
  { iso: 'CA', callingCode: '1', utcOffsetHours: -5, trafficShare: 1.8, smsPriceUsd: 0.0083, segments: 1, conversion: 0.92, deliveredShare: 0.985, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 10, leading: '41626 64736 51434 60438' },
  { iso: 'EG', callingCode: '20', utcOffsetHours: 2, trafficShare: 1.8, smsPriceUsd: 0.22, segments: 2, conversion: 0.84, deliveredShare: 0.96, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 10, leading: '10 11 12 15' },
  { iso: 'TH', callingCode: '66', utcOffsetHours: 7, trafficShare: 1.7, smsPriceUsd: 0.02, segments: 2, conversion: 0.87, deliveredShare: 0.975, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 9, leading: '61 62 63 64 65 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99' },
  { iso: 'BD', callingCode: '880', utcOffsetHours: 6, trafficShare: 1.6, smsPriceUsd: 0.27, segments: 1, conversion: 0.84, deliveredShare: 0.955, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 10, leading: '13 14 15 16 17 18 19' },
  { iso: 'JP', callingCode: '81', utcOffsetHours: 9, trafficShare: 1.6, smsPriceUsd: 0.075, segments: 1, conversion: 0.93, deliveredShare: 0.985, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 10, leading: '701 703 801 802 901 902 903 905 909' },
  { iso: 'CO', callingCode: '57', utcOffsetHours: -5, trafficShare: 1.6, smsPriceUsd: 0.011, segments: 1, conversion: 0.87, deliveredShare: 0.975, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 10, leading: '300 301 304 310 311 312 313 314 315 316 317 318 320 321 322 350' },
  { iso: 'AR', callingCode: '54', utcOffsetHours: -3, trafficShare: 1.3, smsPriceUsd: 0.06, segments: 1, conversion: 0.87, deliveredShare: 0.97, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 11, leading: '9110 9111 9115 93512 93515 93413' },
  { iso: 'AU', callingCode: '61', utcOffsetHours: 10, trafficShare: 1.2, smsPriceUsd: 0.05, segments: 1, conversion: 0.93, deliveredShare: 0.985, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 9, leading: '40 41 42 43 450 451 470 472 480 481' },
  { iso: 'ZA', callingCode: '27', utcOffsetHours: 2, trafficShare: 1.1, smsPriceUsd: 0.025, segments: 1, conversion: 0.86, deliveredShare: 0.97, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '60 61 71 72 73 74 76 78 79 81 82 83 84' },
  { iso: 'SA', callingCode: '966', utcOffsetHours: 3, trafficShare: 1.1, smsPriceUsd: 0.045, segments: 2, conversion: 0.89, deliveredShare: 0.975, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '50 53 54 55 56 58 59' },
  { iso: 'MY', callingCode: '60', utcOffsetHours: 8, trafficShare: 1.1, smsPriceUsd: 0.07, segments: 1, conversion: 0.89, deliveredShare: 0.975, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 9, leading: '12 131 132 142 143 16 171 172 19' },
  { iso: 'KR', callingCode: '82', utcOffsetHours: 9, trafficShare: 1, smsPriceUsd: 0.035, segments: 1, conversion: 0.93, deliveredShare: 0.985, highCost: false, routing: ROUTING.sinchFirst, nationalLength: 10, leading: '102 103 104 106 107 108 109 1050' },
  { iso: 'PL', callingCode: '48', utcOffsetHours: 1, trafficShare: 1, smsPriceUsd: 0.035, segments: 1, conversion: 0.91, deliveredShare: 0.985, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '50 51 53 57 60 66 69 72 73 78 79 88' },
  { iso: 'KE', callingCode: '254', utcOffsetHours: 3, trafficShare: 0.9, smsPriceUsd: 0.15, segments: 1, conversion: 0.84, deliveredShare: 0.965, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '70 71 72 74 79 11' },
  { iso: 'NL', callingCode: '31', utcOffsetHours: 1, trafficShare: 0.8, smsPriceUsd: 0.1, segments: 1, conversion: 0.93, deliveredShare: 0.985, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '61 62 63 64 65' },
  // High-cost destinations that pumping targets; a trickle of real users.
  { iso: 'LK', callingCode: '94', utcOffsetHours: 5.5, trafficShare: 0.2, smsPriceUsd: 0.26, segments: 1, conversion: 0.85, deliveredShare: 0.96, highCost: true, routing: ROUTING.sinchFirst, nationalLength: 9, leading: '70 71 72 740 75 76 77 78' },
  { iso: 'UZ', callingCode: '998', utcOffsetHours: 5, trafficShare: 0.12, smsPriceUsd: 0.3, segments: 1, conversion: 0.85, deliveredShare: 0.96, highCost: true, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '33 88 90 91 93 94 95 97 98 99' },
  { iso: 'MM', callingCode: '95', utcOffsetHours: 6.5, trafficShare: 0.12, smsPriceUsd: 0.31, segments: 1, conversion: 0.84, deliveredShare: 0.95, highCost: true, routing: ROUTING.sinchFirst, nationalLength: 10, leading: '925 926 940 967 968 969 975 976 977 978 979 995 996 997' },
  { iso: 'KW', callingCode: '965', utcOffsetHours: 3, trafficShare: 0.1, smsPriceUsd: 0.28, segments: 2, conversion: 0.88, deliveredShare: 0.975, highCost: true, routing: ROUTING.vonageFirst, nationalLength: 8, leading: '50 510 55 600 650 66 690 94 97 99' },
  { iso: 'AZ', callingCode: '994', utcOffsetHours: 4, trafficShare: 0.08, smsPriceUsd: 0.36, segments: 1, conversion: 0.85, deliveredShare: 0.96, highCost: true, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '10 50 51 55 70 77 99' },
  { iso: 'KG', callingCode: '996', utcOffsetHours: 6, trafficShare: 0.04, smsPriceUsd: 0.33, segments: 1, conversion: 0.84, deliveredShare: 0.955, highCost: true, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '22 50 55 70 77 995' },
  { iso: 'TJ', callingCode: '992', utcOffsetHours: 5, trafficShare: 0.04, smsPriceUsd: 0.38, segments: 1, conversion: 0.84, deliveredShare: 0.955, highCost: true, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '50 55 88 90 91 92 93 98' },
  { iso: 'PG', callingCode: '675', utcOffsetHours: 10, trafficShare: 0.02, smsPriceUsd: 0.42, segments: 1, conversion: 0.84, deliveredShare: 0.95, highCost: true, routing: ROUTING.sinchFirst, nationalLength: 8, leading: '70 71 72 73 74 75 76 77 78 79' },
  // Launch candidates: no traffic until a `new_market` scenario opens them.
  { iso: 'CL', callingCode: '56', utcOffsetHours: -4, trafficShare: 0, smsPriceUsd: 0.06, segments: 1, conversion: 0.88, deliveredShare: 0.98, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 9, leading: '92 94 95 98' },
  { iso: 'PE', callingCode: '51', utcOffsetHours: -5, trafficShare: 0, smsPriceUsd: 0.08, segments: 1, conversion: 0.86, deliveredShare: 0.975, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 9, leading: '9' },
  { iso: 'GH', callingCode: '233', utcOffsetHours: 0, trafficShare: 0, smsPriceUsd: 0.28, segments: 1, conversion: 0.84, deliveredShare: 0.96, highCost: false, routing: ROUTING.vonageFirst, nationalLength: 9, leading: '20 24 26 27 50 54 55 591' },
  { iso: 'NZ', callingCode: '64', utcOffsetHours: 12, trafficShare: 0, smsPriceUsd: 0.1, segments: 1, conversion: 0.93, deliveredShare: 0.985, highCost: false, routing: ROUTING.twilioFirst, nationalLength: 9, leading: '21 22 27' },
];

export const COUNTRIES: readonly CountryProfile[] = ROWS.map(({ nationalLength, leading, ...profile }) => ({
  ...profile,
  mobileRanges: leading
    .split(' ')
    .map((digits) => ({
      callingCode: profile.callingCode,
      prefix: `+${profile.callingCode}${digits}`,
      leading: digits,
      length: nationalLength,
    })),
}));

const BY_ISO = new Map(COUNTRIES.map((country) => [country.iso, country]));

/** The profile of a country, or a RangeError naming the countries that exist. */
export function countryProfile(iso: string): CountryProfile {
  const country = BY_ISO.get(iso);
  if (!country) {
    throw new RangeError(`unknown country "${iso}": use one of ${COUNTRIES.map((c) => c.iso).join(', ')}`);
  }
  return country;
}
