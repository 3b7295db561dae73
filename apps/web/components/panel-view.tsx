import { api } from '../lib/api.ts';
import { panelRequest, panelRows, type Panel } from '../lib/panels.ts';
import { PanelBody } from './panel-body.tsx';
import { ErrorState } from './states.tsx';

/** One panel of a dashboards/ file: its query through the API with the viewer's session, drawn as declared. */
export async function PanelView({ panel, locale, nowMs, filters = {} }: { panel: Panel; locale: string; nowMs: number; filters?: Record<string, string | undefined> }) {
  const result = await api<unknown>(panelRequest(panel, nowMs, filters));
  return (
    <section className={`panel panel-${panel.chart}`} data-panel={panel.id}>
      <h3>{panel.title}</h3>
      {panel.description && <p className="muted small">{panel.description}</p>}
      {result.ok ? <PanelBody panel={panel} rows={panelRows(panel, result.data)} locale={locale} /> : <ErrorState result={result} what={panel.title.toLowerCase()} />}
    </section>
  );
}
