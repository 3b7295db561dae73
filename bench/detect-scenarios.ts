/**
 * The labelled scenario set of the detection benchmark and its scoring: attacks the detector must
 * catch (burst, ramp, low-and-slow, enumeration, brute force) and look-alikes it must not block
 * (campaign, outage, launch, weekend). Scoring matches findings to labels by scope and time.
 */
import type { BacktestFinding } from '@tollgate/detector';
import type { ScenarioLabel, ScenarioSpec } from '@tollgate/simulator';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A finding this long after a label ends still belongs to it (conversion is judged late). */
const LABEL_TAIL_MS = 45 * 60_000;

/** Attacks from day 3 on, once two days of history give the baselines something to learn from. */
export function scenarioSet(startMs: number): ScenarioSpec[] {
  const at = (day: number, hour: number) => startMs + day * DAY + hour * HOUR;
  return [
    { kind: 'burst_pumping', startMs: at(3, 10), durationMs: 2 * HOUR },
    { kind: 'marketing_campaign', startMs: at(3, 15), durationMs: 3 * HOUR, country: 'BR', multiplier: 3 },
    { kind: 'sequential_enumeration', startMs: at(3, 20), durationMs: 2 * HOUR },
    { kind: 'verify_bruteforce', startMs: at(4, 2), durationMs: 1 * HOUR, app: 'bank', flow: 'login' },
    { kind: 'slow_ramp', startMs: at(4, 8), durationMs: 6 * HOUR },
    { kind: 'new_market', startMs: at(4, 18), durationMs: 12 * HOUR, country: 'CL' },
    { kind: 'weekend_dip', startMs: at(5, 0), durationMs: 2 * DAY },
    { kind: 'low_and_slow', startMs: at(5, 12), durationMs: 24 * HOUR },
    { kind: 'provider_outage', startMs: at(6, 16), durationMs: 2 * HOUR, provider: 'twilio', country: 'US' },
    { kind: 'burst_pumping', startMs: at(7, 3), durationMs: 2 * HOUR },
  ];
}

export interface ScenarioScore {
  label: ScenarioLabel;
  detected: boolean;
  /** Event-time minutes from the attack's start to its first finding. */
  minutesToDetect?: number;
  /** Matched findings whose scope names the label's narrowest destination (or flow). */
  scopePrecision?: number;
  exposedUsd: number;
  totalUsd: number;
  /** For look-alikes: block or challenge findings on them (must be 0). */
  falseActions: number;
  findings: BacktestFinding[];
}

export interface BenchScore {
  scenarios: ScenarioScore[];
  unlabelled: BacktestFinding[];
}

function compatible(finding: BacktestFinding, label: ScenarioLabel): boolean {
  // No field may contradict the label: a prefix of the pumped country, the attacked app's flow, a
  // country that a spread-out attack reached all count; another country or app does not.
  const keys = ['country', 'prefix', 'provider', 'asn', 'app', 'flow'] as const;
  return keys.every((key) => finding.scope[key] === undefined || label.scope[key] === undefined || finding.scope[key] === label.scope[key]);
}

function narrowest(label: ScenarioLabel): 'prefix' | 'country' | 'flow' | undefined {
  // A brute force attacks a flow: its country is where the guessed phones are, not what to act on.
  if (label.scenario === 'verify_bruteforce') return 'flow';
  if (label.scope.prefix !== undefined) return 'prefix';
  if (label.scope.country !== undefined) return 'country';
  if (label.scope.flow !== undefined) return 'flow';
  return undefined;
}

/** Scores one backtest against the labels; `labelsAt(ms)` gives the labels with cost counted up to ms. */
export function scoreBacktest(findings: BacktestFinding[], labels: ScenarioLabel[], labelsAt: (ms: number) => ScenarioLabel[]): BenchScore {
  const claimed = new Set<BacktestFinding>();
  const scenarios = labels.map((label): ScenarioScore => {
    const matched = findings.filter((f) => f.ts >= label.startMs && f.ts <= label.endMs + LABEL_TAIL_MS && compatible(f, label));
    // A weekend claims nothing: what fires on it is unlabelled unless an attack explains it.
    if (label.scenario !== 'weekend_dip') for (const f of matched) claimed.add(f);
    const first = label.attack ? matched[0] : undefined;
    const exposedUsd = first ? (labelsAt(first.ts).find((l) => l.id === label.id)?.costUsd ?? 0) : label.costUsd;
    const key = narrowest(label);
    const precise = key ? matched.filter((f) => f.scope[key] === label.scope[key]).length : matched.length;
    return {
      label,
      detected: label.attack ? first !== undefined : false,
      minutesToDetect: first ? (first.ts - label.startMs) / 60_000 : undefined,
      scopePrecision: matched.length > 0 ? precise / matched.length : undefined,
      exposedUsd: label.attack ? exposedUsd : 0,
      totalUsd: label.attack ? label.costUsd : 0,
      falseActions: label.attack ? 0 : matched.filter((f) => f.action !== 'alert' && !attackAt(f, labels)).length,
      findings: matched,
    };
  });
  const unlabelled = findings.filter((f) => !claimed.has(f) && !attackAt(f, labels));
  return { scenarios, unlabelled };
}

/** Whether a finding is explained by an attack running at its time in its scope. */
function attackAt(finding: BacktestFinding, labels: ScenarioLabel[]): boolean {
  return labels.some((l) => l.attack && finding.ts >= l.startMs && finding.ts <= l.endMs + LABEL_TAIL_MS && compatible(finding, l));
}
