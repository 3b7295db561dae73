'use client';

import { Area, CartesianGrid, ComposedChart, Legend, Line, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Row } from '../lib/chart-data.ts';
import { formatCount } from '../lib/format.ts';
import { timeTickFormatter } from '../lib/time-ticks.ts';

/**
 * Observed volume against the baseline: the expected range shaded, the expected value dashed, the
 * observed line on top, and the anomaly window marked in red, so "how far out, since when" reads
 * at a glance.
 */
export function BandChart({ rows, window, locale }: { rows: Row[]; window: { x1: number; x2: number } | null; locale: string }) {
  const tick = timeTickFormatter(
    locale,
    rows.map((row) => row.ts as number),
  );
  return (
    <div className="chart" data-chart="band" data-points={rows.length} data-window={window ? 'marked' : 'none'}>
      <ResponsiveContainer width="100%" height={280} minWidth={0}>
        <ComposedChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="ts" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={tick} />
          {/* The unit is written above the chart: a rotated axis label is cut off at this width. */}
          <YAxis width={56} tickFormatter={(v: number) => formatCount(v, locale)} />
          <Tooltip
            labelFormatter={(label) => `${tick(Number(label))} UTC`}
            formatter={(value, name) => [
              Array.isArray(value) ? value.map((v) => formatCount(Number(v), locale)).join(' – ') : formatCount(Number(value), locale),
              name,
            ]}
          />
          <Legend />
          {window && (
            <ReferenceArea
              x1={window.x1}
              x2={window.x2}
              fill="#D55E00"
              fillOpacity={0.12}
              stroke="#D55E00"
              strokeOpacity={0.5}
              label={{ value: 'anomaly', position: 'insideTop' }}
            />
          )}
          <Area dataKey="band" name="Baseline band" stroke="none" fill="#0072B2" fillOpacity={0.18} isAnimationActive={false} />
          <Line dataKey="expected" name="Expected" stroke="#0072B2" strokeDasharray="5 4" dot={false} isAnimationActive={false} />
          <Line dataKey="observed" name="Observed" stroke="#D55E00" strokeWidth={2} dot={false} isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
