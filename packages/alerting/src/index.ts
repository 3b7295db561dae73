export { ALERT_LABELS, labelsOf, isAlertLabel } from './alert-input.ts';
export type { AlertInput, AlertLabel, AlertLabels, AlertScope } from './alert-input.ts';
export { alertOf } from './anomaly-alert.ts';
export { parseMatcher, matches, matchesAll } from './matcher.ts';
export type { Matcher, MatcherParse, MatchOperator } from './matcher.ts';
export { OWNER_ROLES, DEFAULT_TIMINGS, DEFAULT_PAGE_POLICY, formatRuleError } from './rules-config.ts';
export type {
  AlertingConfig,
  EscalationContact,
  InhibitRule,
  Owner,
  OwnerRole,
  PagePolicy,
  PagerDutyTarget,
  ResponseTargets,
  RouteNode,
  RouteTimings,
  RuleError,
} from './rules-config.ts';
export { parseRules, kindsWithoutOwner } from './rules-parser.ts';
export type { RulesEnv, RulesFile, RulesParse } from './rules-parser.ts';
export {
  loadRules,
  watchRules,
  lenientEnv,
  unsetPagerDutyVariables,
  unreachableTargets,
  RELOAD_DEBOUNCE_MS,
  UNSET_ENV_VALUE,
} from './rules-loader.ts';
export type { UnreachableTarget } from './rules-loader.ts';
export type { RulesWatcher } from './rules-loader.ts';
export { route, matchingRoutes, primaryMatch } from './route-tree.ts';
export type { PageDecision, RoutableAlert, RouteMatch } from './route-tree.ts';
export { inhibited, inhibitRulesTargeting } from './inhibition.ts';
export type { InhibitDecision } from './inhibition.ts';
export { parseSilence, silencedBy, MAX_SILENCE_MS } from './silence.ts';
export type { Silence, SilenceDraft, SilenceParse } from './silence.ts';
export { planNotification, groupFingerprint } from './notification-plan.ts';
export type { GroupState, NotificationPlan } from './notification-plan.ts';
export { planEscalation } from './escalation-plan.ts';
export type { EscalationPlan } from './escalation-plan.ts';
export {
  INCIDENT_ERROR_CODES,
  SYSTEM_ACTOR,
  acknowledge,
  addNote,
  applyAlert,
  groupIntoIncident,
  incidentIdFor,
  openIncident,
  reassign,
  recordBreaker,
  recordEscalation,
  recordNotified,
  recordNotifyFailed,
  resolve,
  setMoney,
} from './incident.ts';
export type {
  GroupingOutcome,
  Incident,
  IncidentErrorCode,
  IncidentState,
  IncidentTransition,
  NotificationChannel,
  NotificationEvent,
  TimelineEntry,
} from './incident.ts';
export { describeIncident, incidentUrl } from './notifier.ts';
export type { IncidentMessage, Notification, Notifier, NotifyResult } from './notifier.ts';
export { createSlackNotifier, SLACK_TIMEOUT_MS } from './slack.notifier.ts';
export { createPagerDutyNotifier, PAGERDUTY_EVENTS_SERVER, PAGERDUTY_TIMEOUT_MS } from './pagerduty.notifier.ts';
export { createWebhookNotifier, WEBHOOK_TIMEOUT_MS } from './webhook.notifier.ts';
export { createNotificationOutbox, notificationKey, REPEATED_FAILURE_LOG_MS } from './notification-outbox.ts';
export type { EnqueueResult, FailedNotification, NotificationOutbox, OutboxLogger } from './notification-outbox.ts';
export { toIncidentRecord, toTimelineRecords, fromIncidentRecord, toSilenceRecord, fromSilenceRecord } from './incident-record.ts';
export { incidentRouting } from './notification-targets.ts';
export type { Destination, IncidentRouting, NotificationTarget } from './notification-targets.ts';
export { createIncidentDesk } from './incident-desk.ts';
export type { DeskResult, IncidentDesk, ObserveOutcome, PlannedScope } from './incident-desk.ts';
export { createSilenceRegistry } from './silence-registry.ts';
export type { SilenceRegistry, SilenceResult, StoredSilence } from './silence-registry.ts';
export { createPlannedEventRegistry } from './planned-event-registry.ts';
export type { PlannedEventRegistry, PlannedEventResult } from './planned-event-registry.ts';
export { describeRules, explainRouting } from './rules-view.ts';
export type { OwnerView, RouteView, RoutingExplanation, RulesView } from './rules-view.ts';
export { composeSpendDigest, forecastMonth, roundUsd } from './spend-digest.ts';
export type { BudgetInput, BudgetStatus, DigestInput } from './spend-digest.ts';
export { ownerPerformance } from './owner-performance.ts';
export type { MeasuredIncident, OwnerPerformance, ResponseMeasure } from './owner-performance.ts';
