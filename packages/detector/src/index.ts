export { createDetectionEngine, type DetectionEngine, type StepResult } from './detection-engine.ts';
export { runBacktest, type BacktestFinding, type BacktestOptions, type BacktestResult } from './backtest.ts';
export { DEFAULT_DETECTOR_CONFIG, type Budget, type DetectorConfig } from './detector-config.ts';
export { parseBudgetsFile, BUDGET_CURRENCY, type BudgetsParse } from './budgets-file.ts';
export type { Anomaly, AnomalyState, EvidencePoint } from './anomaly.ts';
export type { AnomalyChange } from './anomaly-lifecycle.ts';
export type { Contributor, Finding, SuggestedAction } from './finding.ts';
export { createLiveDetector, type LiveDetector } from './live-detector.ts';
export { toAnomalyRecord, fromAnomalyRecord } from './anomaly-record.ts';
export {
  PLANNED_EVENT_KINDS,
  MAX_PLANNED_EVENT_MS,
  MAX_VOLUME_MULTIPLIER,
  parsePlannedEvent,
  plannedVolumeMultiplier,
  toPlannedEventRecord,
  fromPlannedEventRecord,
} from './planned-event.ts';
export type { PlannedEvent, PlannedEventKind, PlannedEventParse } from './planned-event.ts';
