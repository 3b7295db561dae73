import { fieldsToAsk } from './chart-data.ts';

/**
 * What the pages built in code (not from a panel file) show of GET /v1/metrics/traffic: each shapes
 * its rows from these fields and asks the API for them, so no page pays for a measure it does not
 * draw (the distinct count of phones above all). bench:web times the same requests.
 */
export const TRAFFIC_VIEWS = {
  /** Traffic explorer: sends, verified sessions, conversion and cost over time. */
  explorerTotals: ['sends', 'verified_sessions', 'conversion', 'cost_est_usd'],
  /** Traffic explorer: the table of groups at the drill level. */
  explorerGroups: ['cost_est_usd', 'sends', 'sessions', 'verified_sessions', 'conversion', 'cost_billed_usd'],
  /** Incident detail: conversion and cost in an anomaly's scope, and the line that sums them. */
  incidentScope: ['conversion', 'cost_est_usd', 'sends', 'sessions', 'verified_sessions'],
} satisfies Record<string, string[]>;

/** The `fields` parameter of a view's request. */
export function viewFields(view: keyof typeof TRAFFIC_VIEWS): string {
  return fieldsToAsk(TRAFFIC_VIEWS[view]).join(',');
}
