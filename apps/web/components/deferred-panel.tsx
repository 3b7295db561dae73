'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import type { Row } from '../lib/chart-data.ts';
import type { Panel } from '../lib/panels.ts';
import { PanelBody } from './panel-body.tsx';
import { ErrorState } from './states.tsx';

type Loaded = { ok: true; rows: Row[] } | { ok: false; status: number; code: string; message: string };

/**
 * A panel the browser loads after the page is up (`"defer": true` in its file), again whenever the
 * page re-renders (`renderedAt` changes), so a slow query never holds up the first view.
 */
export function DeferredPanel({
  page,
  panel,
  locale,
  renderedAt,
  href,
}: {
  page: string;
  panel: Panel;
  locale: string;
  renderedAt: number;
  href?: string;
}) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  useEffect(() => {
    let current = true;
    fetch(`/panels/${page}/${panel.id}`, { cache: 'no-store' })
      .then((res) => res.json() as Promise<Loaded>)
      .catch((): Loaded => ({ ok: false, status: 0, code: 'TG_WEB_UNREACHABLE', message: 'The dashboard did not answer.' }))
      .then((answer) => current && setLoaded(answer));
    return () => {
      current = false;
    };
  }, [page, panel.id, renderedAt]);
  return (
    <section className={`panel panel-${panel.chart}`} data-panel={panel.id} {...(loaded === null && { 'data-state': 'loading' })}>
      <h3>{href ? <Link href={href}>{panel.title} →</Link> : panel.title}</h3>
      {panel.description && <p className="muted small">{panel.description}</p>}
      {loaded === null ? (
        <p className="muted small" role="status">
          Loading…
        </p>
      ) : loaded.ok ? (
        <PanelBody panel={panel} rows={loaded.rows} locale={locale} />
      ) : (
        <ErrorState result={loaded} what={panel.title.toLowerCase()} />
      )}
    </section>
  );
}
