import { RANGES } from '../lib/panels.ts';

/** The range a page reads, in the filters form (`?range=24h`). */
export function RangeSelect({ range }: { range: keyof typeof RANGES }) {
  return (
    <label>
      Range
      <select name="range" defaultValue={range}>
        {Object.keys(RANGES).map((r) => (
          <option key={r} value={r}>
            last {r}
          </option>
        ))}
      </select>
    </label>
  );
}
