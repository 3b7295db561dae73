import { safeNext } from '../../lib/safe-next.ts';

const MESSAGES: Record<string, string> = {
  invalid: 'Unknown user or wrong password.',
  throttled: 'Too many failed sign-ins: wait a few minutes and try again.',
  unreachable: 'The Tollgate API does not answer: is the server running?',
  expired: 'Your session ended: sign in again.',
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const params = await searchParams;
  const message = MESSAGES[params.error ?? (params.expired ? 'expired' : '')];
  return (
    <main>
      <form method="post" action="/auth/sign-in" className="login stack">
        <h1>Sign in to Tollgate</h1>
        {message && (
          <p className="state error" role="alert">
            {message}
          </p>
        )}
        <input type="hidden" name="next" value={safeNext(params.next)} />
        <label>
          User name
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" className="primary">
          Sign in
        </button>
        <p className="muted small">
          The first admin signs in as <code>admin</code> with the bootstrap admin key; admins add people with{' '}
          <code>tollgate users add</code>.
        </p>
      </form>
    </main>
  );
}
