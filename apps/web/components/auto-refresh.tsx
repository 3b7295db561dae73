'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

/** Re-renders the page's server components every `intervalMs` (10 s at most, per the on-call brief). */
export function AutoRefresh({ intervalMs = 10_000, renderedAt }: { intervalMs?: number; renderedAt: number }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (paused) return;
    const timer = setInterval(() => router.refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [router, intervalMs, paused]);
  return (
    <p className="refresh" data-rendered-at={renderedAt}>
      Updated {new Date(renderedAt).toISOString().slice(11, 19)} UTC ·{' '}
      {paused ? 'paused' : `live, every ${Math.round(intervalMs / 1000)} s`}{' '}
      <button type="button" className="link" onClick={() => setPaused(!paused)}>
        {paused ? 'resume' : 'pause'}
      </button>
    </p>
  );
}
