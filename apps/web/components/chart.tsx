'use client';

import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Row } from '../lib/chart-data.ts';
import type { PanelSeries } from '../lib/panels.ts';
import { dateTimeFormat } from '../lib/format.ts';
import { timeTickFormatter } from '../lib/time-ticks.ts';
import { formatUnit } from '../lib/units.ts';

// Colour-blind-safe (Okabe-Ito, its yellow left out as unreadable on white), in the order series
// are listed: eight, the most groups a panel draws as lines.
export const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#999999'];

// Fields are read by function: a group key drawn as a column (a pivot) may hold a dot, which
// recharts would take for a nested path.
const valueOf = (field: string) => (row: Row) => row[field];

// Room on the right for the last tick's label, which would otherwise be cut at the card's edge.
const MARGIN = { top: 8, right: 16, bottom: 0, left: 0 };

/** A line, area or bar chart of panel rows; the x axis is time when `x` is `ts`, else categories. */
/**
 * Bars stand on categories (one slot per bucket), so the first and last bars sit inside the plot
 * instead of half under the axis; lines and areas run on a time scale.
 */
function xAxisProps(kind: 'line' | 'area' | 'bar', x: string, tick: ((value: number) => string) | undefined) {
  if (tick === undefined) return { dataKey: x, type: 'category' as const };
  if (kind === 'bar') return { dataKey: x, type: 'category' as const, tickFormatter: (value: unknown) => tick(Number(value)) };
  return {
    dataKey: x,
    type: 'number' as const,
    domain: ['dataMin', 'dataMax'] as ['dataMin', 'dataMax'],
    scale: 'time' as const,
    tickFormatter: tick,
  };
}

/**
 * A share reads against the whole 0-100 % scale; an axis stretched to the data exaggerates noise.
 * Past 100 % (a time as a share of its target) the axis grows to show it.
 */
function yAxisProps(unit: PanelSeries['unit'], locale: string) {
  return {
    tickFormatter: (v: number) => formatUnit(unit, v, locale),
    width: unit === 'money' ? 72 : 56,
    ...(unit === 'percent' && { domain: [0, (dataMax: number) => Math.max(1, dataMax)] as [number, (dataMax: number) => number] }),
  };
}

export function Chart({
  kind,
  rows,
  x,
  series,
  locale,
  height = 240,
  reference,
}: {
  kind: 'line' | 'area' | 'bar';
  rows: Row[];
  x: string;
  series: PanelSeries[];
  locale: string;
  height?: number;
  /** A line across the chart at a value that means something (a target). */
  reference?: { y: number; label: string };
}) {
  const isTime = x === 'ts';
  const tick = isTime
    ? timeTickFormatter(
        locale,
        rows.map((r) => r.ts as number),
      )
    : undefined;
  const xProps = xAxisProps(kind, x, tick);
  const unit = series[0]!.unit;
  const yProps = yAxisProps(unit, locale);
  const tooltip = (
    <Tooltip
      labelFormatter={(label) =>
        isTime
          ? dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(Number(label)) + ' UTC'
          : String(label)
      }
      formatter={(value, name) => {
        const s = series.find((candidate) => candidate.label === name);
        return [formatUnit(s?.unit ?? unit, Number(value), locale), name];
      }}
    />
  );
  const common = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
      <XAxis {...xProps} minTickGap={12} />
      <YAxis {...yProps} />
      {tooltip}
      <Legend />
      {reference && (
        <ReferenceLine
          y={reference.y}
          stroke="#b91c1c"
          strokeDasharray="4 3"
          label={{ value: reference.label, position: 'insideTopRight', fill: '#b91c1c' }}
          ifOverflow="extendDomain"
        />
      )}
    </>
  );
  return (
    <div
      className="chart"
      data-chart={kind}
      data-points={rows.length}
      {...(!isTime && { 'data-x': rows.map((row) => String(row[x])).join(',') })}
    >
      <ResponsiveContainer width="100%" height={height} minWidth={0}>
        {kind === 'bar' ? (
          <BarChart data={rows} margin={MARGIN}>
            {common}
            {series.map((s, i) => (
              <Bar
                key={s.field}
                dataKey={valueOf(s.field)}
                name={s.label}
                fill={SERIES_COLOURS[i % SERIES_COLOURS.length]}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        ) : kind === 'area' ? (
          <AreaChart data={rows} margin={MARGIN}>
            {common}
            {series.map((s, i) => (
              <Area
                key={s.field}
                dataKey={valueOf(s.field)}
                name={s.label}
                stroke={SERIES_COLOURS[i % SERIES_COLOURS.length]}
                fill={SERIES_COLOURS[i % SERIES_COLOURS.length]}
                fillOpacity={0.15}
                isAnimationActive={false}
              />
            ))}
          </AreaChart>
        ) : (
          <LineChart data={rows} margin={MARGIN}>
            {common}
            {series.map((s, i) => (
              <Line
                key={s.field}
                dataKey={valueOf(s.field)}
                name={s.label}
                stroke={SERIES_COLOURS[i % SERIES_COLOURS.length]}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        )}
      </ResponsiveContainer>
    </div>
  );
}
