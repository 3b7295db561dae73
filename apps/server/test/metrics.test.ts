/**
 * The event loop's delay histogram of /metrics is sampled at the period the operator sets
 * (TOLLGATE_LOOP_DELAY_SAMPLE_MS), 20 ms unless set: each sample wakes an idle loop.
 */
import perfHooks from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServerMetrics, DEFAULT_LOOP_DELAY_SAMPLE_MS } from '../src/metrics.ts';

afterEach(() => vi.restoreAllMocks());

describe('the event loop delay histogram', () => {
  it.each([
    [undefined, DEFAULT_LOOP_DELAY_SAMPLE_MS],
    [10, 10],
    [100, 100],
  ])('with loopDelaySampleMs %j samples every %i ms', async (loopDelaySampleMs, resolution) => {
    const monitor = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    const metrics = createServerMetrics({ pendingEvents: () => 0, ...(loopDelaySampleMs !== undefined && { loopDelaySampleMs }) });
    expect(monitor.mock.calls).toEqual([[{ resolution }]]);
    // And /metrics serves it.
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^tollgate_nodejs_eventloop_lag_max_seconds \S+$/m);
  });
});
