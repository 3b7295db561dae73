/**
 * The grafana-clickhouse-datasource macros used by `grafanaSql`, expanded as the data source expands
 * them for a dashboard range and interval, so tests can run a generated panel query on a store.
 */
export function expandGrafanaMacros(sql: string, range: { fromMs: number; toMs: number; intervalS: number }): string {
  return sql
    .replace(
      /\$__timeFilter\((\w+)\)/g,
      `$1 >= toDateTime(${Math.floor(range.fromMs / 1000)}) AND $1 < toDateTime(${Math.ceil(range.toMs / 1000)})`,
    )
    .replace(/\$__timeInterval\((\w+)\)/g, `toStartOfInterval(toDateTime($1), INTERVAL ${range.intervalS} second)`);
}
