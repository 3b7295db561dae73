import { RISK_SIGNALS, SIGNAL_NAMES, type RiskFacts, type SignalName } from './risk-signals.ts';

/** One signal that weighed in: its strength in [0, 1], the points it has at full strength, and why. */
export interface RiskSignal {
  name: SignalName;
  value: number;
  weight: number;
  detail: string;
}

export interface RiskScore {
  /** 0-100: the weighted sum of the signals' strengths, capped at 100. */
  score: number;
  /** The signals with a non-zero contribution, in table order. */
  signals: RiskSignal[];
}

export const MAX_RISK_SCORE = 100;

/** Weights in the order of `RISK_SIGNALS`, so scoring walks two arrays instead of probing a record per signal. */
export type SignalWeights = readonly number[];

export function signalWeights(weights: Readonly<Record<SignalName, number>>): SignalWeights {
  return SIGNAL_NAMES.map((name) => weights[name]);
}

/** Strengths are reported to two decimals: finer says nothing to a person reading the answer. */
const VALUE_DECIMALS = 100;

/**
 * Scores one request. Additive so that a person tuning thresholds can read a score as "these
 * points from these signals"; capped, so the score stays in 0-100 and is monotone in every
 * strength (and so in every count, since each strength is monotone in its counts). Only signals
 * that weighed in are allocated: a clean request costs one empty array.
 */
export function scoreRisk(facts: RiskFacts, weights: SignalWeights): RiskScore {
  const signals: RiskSignal[] = [];
  let points = 0;
  for (let i = 0; i < RISK_SIGNALS.length; i++) {
    const weight = weights[i]!;
    if (weight <= 0) continue;
    const spec = RISK_SIGNALS[i]!;
    const strength = spec.strength(facts);
    if (strength <= 0) continue;
    points += weight * strength;
    signals.push({ name: spec.name, value: Math.round(strength * VALUE_DECIMALS) / VALUE_DECIMALS, weight, detail: spec.detail(facts) });
  }
  return { score: Math.min(MAX_RISK_SCORE, Math.round(points)), signals };
}
