import type { EventKind } from '@tollgate/events';

/** What the ingestor reports; the server binds it to Prometheus, tests can record it. */
export interface IngestMetrics {
  accepted(kind: EventKind, count: number): void;
  duplicates(kind: EventKind, count: number): void;
  rejected(kind: EventKind, field: string, count: number): void;
  insertSeconds(kind: EventKind, seconds: number): void;
  /** Rows of one insert: how well the group commit combines concurrent requests. */
  insertRows(kind: EventKind, rows: number): void;
}

export const NO_METRICS: IngestMetrics = {
  accepted() {},
  duplicates() {},
  rejected() {},
  insertSeconds() {},
  insertRows() {},
};
