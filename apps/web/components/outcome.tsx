/** The result of the last form post, carried back in the query by lib/mutation.ts. */
export function Outcome({ params }: { params: Record<string, string | string[] | undefined> }) {
  const done = typeof params.done === 'string' ? params.done : undefined;
  const error = typeof params.error === 'string' ? params.error : undefined;
  if (error) return <p className="state error" role="alert" data-outcome="error">Refused: {error}</p>;
  if (done) return <p className="notice" role="status" data-outcome="done">{done}</p>;
  return null;
}
