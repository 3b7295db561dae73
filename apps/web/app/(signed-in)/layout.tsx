import Link from 'next/link';
import { canOperate, currentViewer, isAdmin } from '../../lib/api.ts';
import { roleText } from '../../lib/words.ts';

/** Every page but sign-in: the navigation shows only what the signed-in role may use. */
export default async function SignedInLayout({ children }: { children: React.ReactNode }) {
  const viewer = await currentViewer();
  return (
    <>
      <header className="top">
        <Link href="/" className="brand">
          Tollgate
        </Link>
        <nav style={{ display: 'flex', gap: '1rem', flexWrap: 'wrap' }}>
          <Link href="/">Overview</Link>
          <Link href="/incidents">Incidents</Link>
          <Link href="/traffic">Traffic</Link>
          <Link href="/delivery">Delivery</Link>
          <Link href="/spend">Spend</Link>
          {canOperate(viewer) && <Link href="/breakers">Breakers</Link>}
          <Link href="/silences">Silences</Link>
          <Link href="/planned">Planned events</Link>
          <Link href="/owners">Owners</Link>
          <Link href="/rules">Rules</Link>
          <Link href="/policy">Policy</Link>
          {isAdmin(viewer) && <Link href="/users">Users</Link>}
        </nav>
        <span className="who">
          <span data-testid="who">
            {viewer.name} · {roleText(viewer.role)}
          </span>
          <form method="post" action="/auth/sign-out">
            <button type="submit" className="link">
              Sign out
            </button>
          </form>
        </span>
      </header>
      <main>{children}</main>
    </>
  );
}
