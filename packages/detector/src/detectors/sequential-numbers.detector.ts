/**
 * Sequential numbers: many distinct numbers of one number block (all digits but the last three)
 * in a short window. People almost never share a block; enumeration walks through it.
 */
import { describeScope } from '@tollgate/vocabulary';
import type { DetectionContext } from '../detection-context.ts';
import { severityForCost, type Contributor, type Finding } from '../finding.ts';
import type { Scope } from '../scope.ts';
import { levelKey, MS_PER_MINUTE } from '../traffic-book.ts';
import { costPerSendUsd } from '../counters.ts';

export function detectSequentialNumbers(ctx: DetectionContext): Finding[] {
  const { config, nowMs, book } = ctx;
  const fromMs = nowMs - config.blockWindowMs;
  const perBlock = new Map<string, { scope: Scope; phones: number; sends: number }>();
  for (const row of ctx.blocks.rowsIn(fromMs, nowMs)) {
    const key = `${row.app}|${row.flow}|${row.block_hash}`;
    const block = perBlock.get(key) ?? {
      scope: { app: row.app, flow: row.flow, country: row.country, prefix: row.prefix },
      phones: 0,
      sends: 0,
    };
    block.phones += row.phones;
    block.sends += row.sends;
    perBlock.set(key, block);
  }
  const perPrefix = new Map<string, { scope: Scope; blocks: Contributor[]; phones: number; sends: number }>();
  for (const [key, block] of perBlock) {
    if (block.phones < config.blockDistinctNumbers) continue;
    const prefixKey = describeScope(block.scope);
    const group = perPrefix.get(prefixKey) ?? { scope: block.scope, blocks: [], phones: 0, sends: 0 };
    group.blocks.push({ dimension: 'block', value: key.split('|')[2]?.slice(0, 12) ?? '', count: block.phones, share: 0 });
    group.phones += block.phones;
    group.sends += block.sends;
    perPrefix.set(prefixKey, group);
  }
  const minutes = config.blockWindowMs / MS_PER_MINUTE;
  return [...perPrefix.values()].map((group) => {
    const prefixSeries = book.levels.get('prefix')?.get(
      levelKey('prefix', {
        app: '',
        flow: '',
        asn: 0,
        provider: '',
        country: group.scope.country ?? '',
        prefix: group.scope.prefix ?? '',
      }),
    );
    const unitCost = prefixSeries ? costPerSendUsd(book.windowSum(prefixSeries, fromMs, nowMs)) : 0;
    const costPerHourUsd = (group.sends / minutes) * 60 * unitCost;
    const blocks = group.blocks
      .sort((a, b) => b.count - a.count)
      .slice(0, 5)
      .map((b) => ({ ...b, share: b.count / group.phones }));
    return {
      kind: 'sequential_numbers' as const,
      scope: group.scope,
      severity: severityForCost(costPerHourUsd, config.severityUsdPerHour),
      action: 'challenge' as const,
      score: group.phones / config.blockDistinctNumbers,
      observed: Math.max(...group.blocks.map((b) => b.count)),
      expected: 1,
      band: { low: 0, high: config.blockDistinctNumbers - 1 },
      unit: `distinct numbers per block in ${minutes} min`,
      costPerHourUsd,
      windowStartMs: fromMs,
      windowEndMs: nowMs,
      summary: `${describeScope(group.scope)}: ${group.phones} distinct numbers in ${group.blocks.length} number block(s) in ${minutes} min`,
      contributors: blocks,
      facts: { blocks: group.blocks.length, numbers: group.phones },
    };
  });
}
