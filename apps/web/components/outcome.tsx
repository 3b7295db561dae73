import { errorText } from '../lib/words.ts';

/** The result of the last form post, carried back in the query by lib/mutation.ts: the refusal in words, its code in a tooltip. */
export function Outcome({ params }: { params: Record<string, string | string[] | undefined> }) {
  const done = typeof params.done === 'string' ? params.done : undefined;
  const error = typeof params.error === 'string' ? params.error : undefined;
  const code = typeof params.code === 'string' ? params.code : undefined;
  if (error) {
    return (
      <p className="state error" role="alert" data-outcome="error" data-code={code}>
        <strong title={code}>Refused: {code ? errorText(code) : 'the request was refused.'}</strong> {error}
      </p>
    );
  }
  if (done)
    return (
      <p className="notice" role="status" data-outcome="done">
        {done}
      </p>
    );
  return null;
}
