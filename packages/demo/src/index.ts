export { createDemoFeed, type DemoFeed, type DemoFeedDeps } from './demo-feed.ts';
export { createDecideGate, type SendGate, type SendVerdict } from './decide-gate.ts';
export { demoBackfillMs, demoFeedScenarios } from './demo-plan.ts';
export type { DemoLogger } from './demo-logger.ts';
export { replayDetection, type ReplayAlerting, type ReplayOutcome } from './detection-replay.ts';
