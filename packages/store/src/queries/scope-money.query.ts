import type { Store } from '../store.ts';
import type { AnomalyFilters } from './anomalies.query.ts';
import { PRICE_OF_REFUSED, SEND_PRICES } from './decision-series.query.ts';
import { rollupRows, rollupSpans } from './traffic-series.query.ts';

/** A place in the traffic, as breakers and anomalies name it: absent keys match anything. */
export type MoneyScope = Pick<AnomalyFilters, 'app' | 'flow' | 'country' | 'prefix' | 'asn' | 'provider'>;

export interface ScopeMoney {
  /** Estimated cost of the sends in the scopes (billing arrives days later; the estimate is what is known now). */
  spendUsd: number;
  /** Sends refused in the scopes, each priced at the average cost of a send to its prefix that hour (or its latest priced hour). */
  preventedUsd: number;
}

const KEYS = ['app', 'flow', 'country', 'prefix', 'asn', 'provider'] as const;

/**
 * What traffic in any of `scopes` cost between two instants, and what the refused sends there would
 * have cost: an incident's money. Each scope becomes one bound condition per key it names; the
 * prevented money is priced by `SEND_PRICES`. Query name: scope_money.
 */
export async function scopeMoney(
  store: Store,
  params: { fromMs: number; toMs: number; scopes: readonly MoneyScope[] },
): Promise<ScopeMoney> {
  if (params.scopes.length === 0 || params.toMs <= params.fromMs) return { spendUsd: 0, preventedUsd: 0 };
  const queryParams: Record<string, unknown> = { from: params.fromMs, to: params.toMs };
  const anyScope = (table: string) =>
    params.scopes.map((scope, index) => scopeCondition(scope, `s${index}`, table, queryParams)).join(' OR ');
  const window = (table: string) =>
    `${table}.minute >= toStartOfMinute(fromUnixTimestamp64Milli({from:Int64})) AND ${table}.minute < fromUnixTimestamp64Milli({to:Int64})`;
  const rs = await store.client.query({
    query: `
      WITH ${SEND_PRICES}
      SELECT
        (SELECT sum(t.cost_est_usd) FROM traffic_1m AS t WHERE ${window('t')} AND (${anyScope('t')})) AS spend_usd,
        (SELECT sum(d.blocked * p.cost_per_send) FROM decisions_1m AS d
           ${PRICE_OF_REFUSED('d')}
           WHERE ${window('d')} AND (${anyScope('d')})) AS prevented_usd`,
    query_params: queryParams,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ spend_usd: number | null; prevented_usd: number | null }>();
  return { spendUsd: round(row?.spend_usd ?? 0), preventedUsd: round(row?.prevented_usd ?? 0) };
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** A bound condition that a row of `table` is in `scope` ('1' for all traffic); its values go into `queryParams`. */
function scopeCondition(scope: MoneyScope, prefix: string, table: string, queryParams: Record<string, unknown>): string {
  const terms = KEYS.flatMap((key) => {
    const value = scope[key];
    if (value === undefined) return [];
    const name = `${prefix}_${key}`;
    queryParams[name] = value;
    return [key === 'asn' ? `${table}.asn = {${name}:UInt32}` : `${table}.${key} = {${name}:String}`];
  });
  return terms.length === 0 ? '1' : `(${terms.join(' AND ')})`;
}

/**
 * Estimated spend of each scope since each of `sinceMs` until `toMs`, in one pass over the rollups:
 * the month to date and the last day's pace of every budget at once. Answers [scope][since]. Whole
 * days and hours come from the daily and hourly tables when the scopes name only their dimensions,
 * cut at each `since` so that no row straddles one. Query name: scope_spend.
 */
export async function scopeSpend(
  store: Store,
  params: { sinceMs: readonly number[]; toMs: number; scopes: readonly MoneyScope[] },
): Promise<number[][]> {
  if (params.scopes.length === 0 || params.sinceMs.length === 0) return params.scopes.map(() => []);
  const queryParams: Record<string, unknown> = {};
  params.sinceMs.forEach((since, w) => (queryParams[`since_${w}`] = since));
  const dimensions = KEYS.filter((key) => params.scopes.some((scope) => scope[key] !== undefined));
  const spans = rollupSpans({ fromMs: Math.min(...params.sinceMs), toMs: params.toMs, filters: {}, dimensions, cuts: params.sinceMs });
  if (spans.length === 0) return params.scopes.map(() => params.sinceMs.map(() => 0));
  const columns = params.scopes.flatMap((scope, index) => {
    const condition = scopeCondition(scope, `s${index}`, 't', queryParams);
    return params.sinceMs.map(
      (_, w) =>
        `sumIf(t.cost_est_usd, ${condition} AND t.minute >= toStartOfMinute(fromUnixTimestamp64Milli({since_${w}:Int64}))) AS spend_${index}_${w}`,
    );
  });
  const rows = rollupRows(spans, { filters: {} }, [...dimensions, 'cost_est_usd'].join(', '), queryParams);
  const rs = await store.client.query({
    query: `SELECT ${columns.join(', ')} FROM (${rows}) AS t`,
    query_params: queryParams,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<Record<string, number | null>>();
  return params.scopes.map((_, index) => params.sinceMs.map((__, w) => round(row?.[`spend_${index}_${w}`] ?? 0)));
}
