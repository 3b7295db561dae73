import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SIGNAL_WEIGHTS,
  RISK_SIGNALS,
  SIGNAL_NAMES,
  scoreRisk,
  signalWeights,
  type RiskFacts,
  type SignalName,
} from '../src/index.ts';
import { cleanFacts } from './fixtures/risk-facts.ts';

const strengthOf = (name: SignalName, facts: RiskFacts) => RISK_SIGNALS.find((signal) => signal.name === name)!.strength(facts);

/** Usual conversion 90 % over 1,000 sessions; `recent` of 100 recent sessions verified. */
const converting = (recent: number, sessions = 100) => ({
  recentSessions: sessions,
  recentVerified: recent,
  baselineSessions: 1_000,
  baselineVerified: 900,
});

describe('each risk signal on hand-made counters', () => {
  it.each<[string, SignalName, RiskFacts, number]>([
    ['a phone with no sends is quiet', 'phone_velocity', cleanFacts(), 0],
    ['a phone at 2 of 5 sends is 0.4', 'phone_velocity', cleanFacts({ velocity: { phone: 2 } }), 0.4],
    ['a phone past its limit is full', 'phone_velocity', cleanFacts({ velocity: { phone: 9 } }), 1],
    ['an IP at 10 of 20 sends is 0.5', 'ip_velocity', cleanFacts({ velocity: { ip: 10 } }), 0.5],
    ['a /24 at 25 of 100 sends is 0.25', 'subnet_velocity', cleanFacts({ velocity: { subnet: 25 } }), 0.25],
    ['a session at its 3rd of 4 sends is 0.75', 'session_velocity', cleanFacts({ velocity: { session: 3 } }), 0.75],
    ['an account at 5 of 5 sends an hour is full', 'account_velocity', cleanFacts({ velocity: { account: 5 } }), 1],
    ['a residential network is quiet', 'hosting_network', cleanFacts(), 0],
    ['a hosting network is full', 'hosting_network', cleanFacts({ hosting: true }), 1],
    ['an ASN converting as usual is quiet', 'asn_conversion', cleanFacts({ asnStat: converting(90) }), 0],
    ['an ASN converting a quarter below usual is 0.5', 'asn_conversion', cleanFacts({ asnStat: converting(67.5) }), 0.5],
    ['an ASN converting at half its usual rate is full', 'asn_conversion', cleanFacts({ asnStat: converting(45) }), 1],
    ['an ASN with too few recent sessions says nothing', 'asn_conversion', cleanFacts({ asnStat: converting(0, 19) }), 0],
    [
      'a new ASN converting 60 % is held to the typical 80 %: 0.5',
      'asn_conversion',
      cleanFacts({ asnStat: { recentSessions: 50, recentVerified: 30, baselineSessions: 0, baselineVerified: 0 } }),
      0.5,
    ],
    ['a prefix converting nothing is full', 'prefix_conversion', cleanFacts({ prefixStat: { ...converting(0), priceUsd: 0.04 } }), 1],
    ['a prefix better than usual is quiet', 'prefix_conversion', cleanFacts({ prefixStat: { ...converting(99), priceUsd: 0.04 } }), 0],
    ['a cheap prefix is quiet', 'prefix_price', cleanFacts({ prefixStat: { ...converting(90), priceUsd: 0.04 } }), 0],
    ['a prefix at $0.30 is halfway to expensive', 'prefix_price', cleanFacts({ prefixStat: { ...converting(90), priceUsd: 0.3 } }), 0.5],
    ['a premium prefix is full', 'prefix_price', cleanFacts({ prefixStat: { ...converting(90), priceUsd: 1.2 } }), 1],
    ['one number of a block is quiet', 'number_block', cleanFacts({ blockPhones: 1 }), 0],
    ['ten numbers of one block are full', 'number_block', cleanFacts({ blockPhones: 10 }), 1],
    ['every device field given is quiet', 'device_missing', cleanFacts(), 0],
    ['two device fields missing is 0.5', 'device_missing', cleanFacts({ deviceFieldsMissing: 2 }), 0.5],
    ['a browser user agent is quiet', 'automation_client', cleanFacts(), 0],
    ['an Android app (okhttp) is quiet', 'automation_client', cleanFacts({ userAgent: 'okhttp/4.12.0' }), 0],
    ['python-requests is full', 'automation_client', cleanFacts({ userAgent: 'python-requests/2.31.0' }), 1],
    [
      'headless Chrome is full',
      'automation_client',
      cleanFacts({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/125.0.0.0 Safari/537.36' }),
      1,
    ],
    ['an empty user agent is full', 'automation_client', cleanFacts({ userAgent: '  ' }), 1],
    ['no user agent is not automation (device_missing counts it)', 'automation_client', cleanFacts({ userAgent: undefined }), 0],
    ['one device, one phone is quiet', 'device_many_numbers', cleanFacts({ devicePhones: 1 }), 0],
    ['one device, three phones is 0.5', 'device_many_numbers', cleanFacts({ devicePhones: 3 }), 0.5],
    ['one device, five phones is full', 'device_many_numbers', cleanFacts({ devicePhones: 5 }), 1],
  ])('%s', (_name, signal, facts, strength) => {
    expect(strengthOf(signal, facts)).toBeCloseTo(strength, 6);
  });

  it('has one default weight per signal, in the table order', () => {
    expect(RISK_SIGNALS.map((signal) => signal.name)).toEqual([...SIGNAL_NAMES]);
    expect(Object.keys(DEFAULT_SIGNAL_WEIGHTS).sort()).toEqual([...SIGNAL_NAMES].sort());
  });
});

describe('the risk score', () => {
  const weights = signalWeights(DEFAULT_SIGNAL_WEIGHTS);

  it('is 0 with no signal and lists none', () => {
    expect(scoreRisk(cleanFacts(), weights)).toEqual({ score: 0, signals: [] });
  });

  it('adds the weighted strengths and lists each signal that weighed in, with its weight and why', () => {
    const result = scoreRisk(cleanFacts({ hosting: true, deviceFieldsMissing: 2 }), weights);
    expect(result.score).toBe(35 + 4);
    expect(result.signals).toEqual([
      { name: 'hosting_network', value: 1, weight: 35, detail: expect.stringContaining('AS5089') },
      { name: 'device_missing', value: 0.5, weight: 8, detail: '2 of device_id, user_agent, timezone, platform missing' },
    ]);
  });

  it('puts the crude pumping bot above the default high threshold (70)', () => {
    const bot = cleanFacts({ hosting: true, userAgent: 'curl/8.5.0', deviceFieldsMissing: 3 });
    expect(scoreRisk(bot, weights).score).toBeGreaterThanOrEqual(70);
  });

  it('caps at 100', () => {
    const everything = cleanFacts({
      velocity: { phone: 5, ip: 20, subnet: 100, session: 4, account: 5 },
      hosting: true,
      blockPhones: 10,
      userAgent: 'curl/8.5.0',
      devicePhones: 5,
    });
    expect(scoreRisk(everything, weights).score).toBe(100);
  });

  it('leaves out a signal whose weight is 0', () => {
    const noHosting = signalWeights({ ...DEFAULT_SIGNAL_WEIGHTS, hosting_network: 0 });
    expect(scoreRisk(cleanFacts({ hosting: true }), noHosting)).toEqual({ score: 0, signals: [] });
  });
});
