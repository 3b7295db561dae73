import type { Reduce } from '@tollgate/panels';

/**
 * Shapes API answers into the rows recharts draws. Pure, so the shaping is tested without a
 * browser: a chart that lies at 3 a.m. usually lies here.
 */
export type Row = Record<string, number | string | null | [number, number]>;

export interface BandPoint {
  ts: number;
  observed: number;
  /** Absent for the minutes before the scope had a baseline. */
  expected?: number;
  low?: number;
  high?: number;
}

/**
 * Observed against the baseline: `band` is the [low, high] range recharts shades as one area. A
 * minute without a baseline gets nulls, which recharts leaves as a gap rather than a false zero.
 */
export function bandRows(points: BandPoint[]): Row[] {
  return [...points]
    .sort((a, b) => a.ts - b.ts)
    .map((p) => ({
      ts: p.ts,
      observed: p.observed,
      expected: p.expected ?? null,
      band: p.low === undefined || p.high === undefined ? null : ([Math.min(p.low, p.high), Math.max(p.low, p.high)] as [number, number]),
    }));
}

/** Whether an anomaly window overlaps the charted range, clipped to it, so the marked area is never off-chart. */
export function windowWithin(window: { startMs: number; endMs: number }, rows: Row[]): { x1: number; x2: number } | null {
  const times = rows.map((r) => r.ts).filter((t): t is number => typeof t === 'number');
  if (times.length === 0) return null;
  const first = Math.min(...times);
  const last = Math.max(...times);
  if (window.endMs < first || window.startMs > last) return null;
  return { x1: Math.max(first, window.startMs), x2: Math.min(last, window.endMs) };
}

/** Reads a dotted path (`series.0.points`) in an answer; undefined when any step is missing. */
export function pick(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let current: unknown = value;
  for (const step of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/**
 * Ratios cannot be summed: over a group's points they are recomputed from their parts
 * (numerator, denominator). Outcome shares of delivery receipts are derived the same way, since a
 * share of the whole range is what the messaging-vendor owner compares between carriers.
 */
const RATIOS: Record<string, [numerator: string, denominator: string]> = {
  conversion: ['verified_sessions', 'sessions'],
  delivered_share: ['delivered', 'receipts'],
  undelivered_share: ['undelivered', 'receipts'],
  failed_share: ['failed', 'receipts'],
  unknown_share: ['unknown', 'receipts'],
};

/**
 * What to ask a route that computes only the fields asked (`fields` of GET /v1/metrics/traffic) for
 * rows that show `fields`: those, and the parts of each ratio among them, which summed rows are
 * recomputed from (see RATIOS).
 */
export function fieldsToAsk(fields: readonly string[]): string[] {
  return [...new Set(fields.flatMap((field) => [field, ...(RATIOS[field] ?? [])]))];
}

/**
 * Rows of a chart: the array at `rowsPath`, keeping `x` and the series fields. With `totalsOf`,
 * each row holds a nested array (a traffic group's `points`) whose fields are summed: one bar per
 * group, largest first by the first field (where the money or the volume goes is what is read
 * first). Ratios are recomputed from their parts (see RATIOS). `sortBy` puts the largest values of
 * that field first, in any rows.
 */
export function shapeRows(
  answer: unknown,
  spec: { rowsPath?: string; x: string; fields: string[]; totalsOf?: string; sortBy?: string },
): Row[] {
  const picked = pick(answer, spec.rowsPath);
  // A summary object (the spend report's `month`) is a single row, for stat panels.
  const items = Array.isArray(picked) ? picked : picked !== null && typeof picked === 'object' ? [picked] : [];
  const rows = items.map((item: Record<string, unknown>) => {
    const row: Row = { [spec.x]: toCell(item[spec.x]) };
    const nested = spec.totalsOf ? item[spec.totalsOf] : undefined;
    for (const field of spec.fields) {
      if (Array.isArray(nested)) row[field] = field in RATIOS ? ratioOf(nested, RATIOS[field]!) : sumOf(nested, field);
      else row[field] = toCell(item[field]);
    }
    return row;
  });
  const by = spec.sortBy ?? (spec.totalsOf ? spec.fields[0] : undefined);
  if (by === undefined) return rows;
  return rows.sort((a, b) => ((b[by] as number | null) ?? -Infinity) - ((a[by] as number | null) ?? -Infinity));
}

function toCell(value: unknown): number | string | null {
  return typeof value === 'number' || typeof value === 'string' ? value : null;
}

function sumOf(items: Record<string, unknown>[], field: string): number {
  return items.reduce((sum, item) => sum + (typeof item[field] === 'number' ? (item[field] as number) : 0), 0);
}

function ratioOf(points: Record<string, unknown>[], [numerator, denominator]: [string, string]): number | null {
  const below = sumOf(points, denominator);
  return below > 0 ? sumOf(points, numerator) / below : null;
}

/**
 * One line per group: grouped series (`[{ key, points: [{ ts, p90_ms }] }]`) become rows by `x`
 * with a column per group key holding `field`, in the answer's order (which groups, and how many,
 * is the query's business: the API keeps the largest). Every row has every column, null where a
 * group has no point, so a line breaks instead of inventing a value. An empty key (no carrier
 * known) is labelled rather than left blank.
 */
export function pivotRows(answer: unknown, spec: { rowsPath?: string; x: string; field: string; nested: string }): Row[] {
  const picked = pick(answer, spec.rowsPath);
  const groups = (Array.isArray(picked) ? picked : []) as Record<string, unknown>[];
  const keys = groups.map((group) => groupLabel(group.key));
  const byX = new Map<number | string, Row>();
  groups.forEach((group, index) => {
    const points = Array.isArray(group[spec.nested]) ? (group[spec.nested] as Record<string, unknown>[]) : [];
    for (const point of points) {
      const at = toCell(point[spec.x]);
      if (at === null) continue;
      const row = byX.get(at) ?? Object.fromEntries([[spec.x, at], ...keys.map((key) => [key, null])]);
      row[keys[index]!] = toCell(point[spec.field]);
      byX.set(at, row);
    }
  });
  return [...byX.values()].sort((a, b) => (a[spec.x] as number) - (b[spec.x] as number));
}

/** The column a group is drawn under: its key, or what an empty key means. */
export function groupLabel(key: unknown): string {
  return typeof key === 'string' && key !== '' ? key : typeof key === 'number' ? String(key) : '(unknown)';
}

/**
 * One number for a stat panel. `ratio` divides the sums of two fields (conversion over a range is
 * verified sessions over sessions, not the mean of per-bucket conversions).
 */
export function reduceRows(rows: Row[], reduce: Reduce, field: string, denominator?: string): number | null {
  const values = rows.map((r) => r[field]).filter((v): v is number => typeof v === 'number');
  switch (reduce) {
    case 'count':
      return rows.length;
    case 'last':
      return values.length > 0 ? values[values.length - 1]! : null;
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'mean':
      return values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
    case 'ratio': {
      const below = rows
        .map((r) => r[denominator ?? ''])
        .filter((v): v is number => typeof v === 'number')
        .reduce((a, b) => a + b, 0);
      return below > 0 ? values.reduce((a, b) => a + b, 0) / below : null;
    }
  }
}

/** The drill-down of the traffic explorer: country, then prefix, then ASN. */
export const DRILL_LEVELS = ['country', 'prefix', 'asn'] as const;
export type DrillLevel = (typeof DRILL_LEVELS)[number];

/** What a click on a group shows next: the filters so far plus the clicked value, and the next level (null at ASN). */
export function drillInto(
  filters: Partial<Record<DrillLevel, string>>,
  level: DrillLevel,
  value: string,
): { filters: Partial<Record<DrillLevel, string>>; level: DrillLevel | null } {
  const next = DRILL_LEVELS[DRILL_LEVELS.indexOf(level) + 1] ?? null;
  return { filters: { ...filters, [level]: value }, level: next };
}

/** The level a set of filters is at: the first drill level without a filter. */
export function levelOf(filters: Partial<Record<DrillLevel, string>>): DrillLevel | null {
  return DRILL_LEVELS.find((level) => !filters[level]) ?? null;
}

/** The first instant of the UTC month holding `nowMs`, and of the next. */
export function monthBounds(nowMs: number): { startMs: number; endMs: number } {
  const now = new Date(nowMs);
  return { startMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), endMs: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) };
}
