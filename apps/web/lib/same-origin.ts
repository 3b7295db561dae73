/**
 * CSRF defence for the dashboard's POST handlers: a state-changing request must come from a page
 * of the dashboard itself. Browsers send Origin on every cross-origin POST and on same-origin ones
 * too (Chromium, Firefox and Safari do for POST), so a missing Origin is refused rather than trusted.
 * The session cookie is also SameSite=Strict; this check does not rely on it.
 */
export function isSameOrigin(headers: { get(name: string): string | null }, publicUrl?: string): boolean {
  const origin = headers.get('origin');
  if (!origin || origin === 'null') return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  if (publicUrl) {
    try {
      return new URL(origin).origin === new URL(publicUrl).origin;
    } catch {
      return false;
    }
  }
  // Behind a proxy the host the browser saw is in X-Forwarded-Host.
  const host = headers.get('x-forwarded-host') ?? headers.get('host');
  return host !== null && host.toLowerCase() === originHost.toLowerCase();
}
