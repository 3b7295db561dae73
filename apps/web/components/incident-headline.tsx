import Link from 'next/link';
import type { Incident } from '../lib/api-types.ts';
import { incidentHeadline } from '../lib/words.ts';

/** An incident named in a sentence with units; the detector's own summary stays in the tooltip. */
export function IncidentHeadline({
  incident,
  locale,
  link = false,
}: {
  incident: Pick<Incident, 'id' | 'title' | 'anomalies'>;
  locale: string;
  link?: boolean;
}) {
  const text = incidentHeadline(incident, locale);
  return link ? (
    <Link href={`/incidents/${incident.id}`} title={incident.title} data-testid="incident-headline">
      {text}
    </Link>
  ) : (
    <span title={incident.title} data-testid="incident-headline">
      {text}
    </span>
  );
}
