import type { Rejection } from './rows.ts';

/** A problem with one field, before it is pinned to a batch line. */
export type FieldProblem = Omit<Rejection, 'line'>;

/** What each step of normalization returns: the value, or every problem found with the event. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

export function atLine(line: number, problems: readonly FieldProblem[]): Rejection[] {
  return problems.map((problem) => ({ line, field: problem.field, reason: problem.reason }));
}
