import { migrationStatus, type Store } from '@tollgate/store';
import type { ReadinessReport, Readiness } from './plugins/ops.routes.ts';
import type { SharedVelocityStatus } from './shared-velocity.ts';

/**
 * What `/readyz` reports: ready when the store answers and every migration is applied; each check
 * carries why it failed (the store's own error), so an operator reads the cause from the probe.
 */
export function createReadiness(deps: { store: Store; velocitySharing?: () => SharedVelocityStatus | undefined }): Readiness {
  return async (): Promise<ReadinessReport> => {
    const ping = await deps.store.ping();
    const status = ping.ok ? await migrationStatus(deps.store) : undefined;
    const migrated = status !== undefined && status.pending.length === 0;
    const sharing = deps.velocitySharing?.();
    return {
      ready: ping.ok && migrated,
      checks: {
        store: ping.ok ? { ok: true } : { ok: false, detail: `store does not answer: ${ping.reason}` },
        migrations: {
          ok: migrated,
          ...(status && !migrated ? { detail: `pending: ${status.pending.join(', ')}` } : {}),
        },
        // Reported, not required: without Redis this node still decides, on its own counters.
        ...(sharing && { velocity_sharing: sharing.ok ? { ok: true, detail: 'velocity counters shared through Redis' } : { ok: false, detail: sharing.detail } }),
      },
    };
  };
}
