import { migrationStatus, type Store } from '@tollgate/store';
import type { ReadinessReport, Readiness } from './plugins/ops.routes.ts';
import type { SharedDedup } from './shared-dedup.ts';
import type { SharedVelocityStatus } from './shared-velocity.ts';
import type { SharedVerifyStatus } from './shared-verify.ts';

export interface ReadinessDeps {
  store: Store;
  /** The decision node's shared velocity counters, when it has `REDIS_URL`. */
  velocitySharing?: () => SharedVelocityStatus | undefined;
  /** The decision node's shared verify ladders, when it has `REDIS_URL`. */
  verifySharing?: () => SharedVerifyStatus | undefined;
  /** Whether this node ingests, and the shared event-id window when it has `REDIS_URL`. */
  eventDedup?: { ingests: boolean; shared: SharedDedup | undefined };
}

/**
 * What `/readyz` reports: ready when the store answers and every migration is applied; each check
 * carries why it failed (the store's own error), so an operator reads the cause from the probe.
 * What is shared through Redis is reported, not required: without it a node still decides on its
 * own counters and ladders and deduplicates on its own window, and says so here.
 */
export function createReadiness(deps: ReadinessDeps): Readiness {
  return async (): Promise<ReadinessReport> => {
    const ping = await deps.store.ping();
    const status = ping.ok ? await migrationStatus(deps.store) : undefined;
    const migrated = status !== undefined && status.pending.length === 0;
    const velocity = deps.velocitySharing?.();
    const verify = deps.verifySharing?.();
    return {
      ready: ping.ok && migrated,
      checks: {
        store: ping.ok ? { ok: true } : { ok: false, detail: `store does not answer: ${ping.reason}` },
        migrations: {
          ok: migrated,
          ...(status && !migrated ? { detail: `pending: ${status.pending.join(', ')}` } : {}),
        },
        ...(velocity && {
          velocity_sharing: velocity.ok
            ? { ok: true, detail: 'velocity counters shared through Redis' }
            : { ok: false, detail: velocity.detail },
        }),
        ...(deps.eventDedup?.ingests && { event_dedup: eventDedup(deps.eventDedup.shared) }),
        ...(verify && {
          verify_sharing: verify.ok ? { ok: true, detail: 'verify ladders shared through Redis' } : { ok: false, detail: verify.detail },
        }),
      },
    };
  };
}

function eventDedup(shared: SharedDedup | undefined): { ok: boolean; detail: string } {
  if (shared === undefined)
    return { ok: true, detail: "per node: event ids deduplicated within this node's window only (REDIS_URL unset)" };
  const status = shared.status();
  return status.ok ? { ok: true, detail: 'event ids deduplicated across nodes through Redis' } : { ok: false, detail: status.detail };
}
