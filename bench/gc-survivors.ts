/**
 * What bench:proxy's Tollgates kept through their scavenges, from BENCH_HEAP_PROFILE=DIR:
 * `node apps/cli/bin/run-ts.js bench/gc-survivors.ts DIR`. Per path, from its `<path>.gc-trace`
 * (V8's --trace-gc-nvp lines): scavenges, their pauses, and the bytes they kept young and promoted
 * per MB allocated (a share that the machine's load hardly moves, unlike pause lengths: a Tollgate
 * the bench stops mid-collection reports the stop as pause, so pauses are medians); then, from
 * its `<path>-<n>.heapprofile` files, the allocation stacks whose objects outlived a scavenge. Both
 * leave out what came before the first open-loop run ended (start, migrations, the closed loop's
 * warm-up), where the heap was still finding its size.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './results-file.ts';
import { quantile } from './open-loop-load.ts';

/** The line the heap-sampling preload prints when a run's profile is written (after each open-loop run). */
export const RUN_MARK = '--- heap profile written';
/** One collection's line of the trace; sizes in bytes. */
interface Collection {
  /** `s` a scavenge, `mc` a mark-compact (V8's names). */
  kind: string;
  pauseMs: number;
  /** Allocated since the collection before. */
  allocated: number;
  /** Kept in the young generation. */
  survived: number;
  /** Moved to the old generation. */
  promoted: number;
}

const MB = 1e6;

/** The collections of a trace after its first run mark. */
function collections(trace: string): Collection[] {
  const runs = trace.split(RUN_MARK);
  const after = runs.length > 2 ? runs.slice(1, -1).join('\n') : trace;
  const found: Collection[] = [];
  for (const line of after.split('\n')) {
    if (!line.includes(' pause=')) continue;
    const value = (name: string) => Number(new RegExp(`(?:^|\\s)${name}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    found.push({
      kind: /(?:^|\s)gc=(\S+)/.exec(line)?.[1] ?? '',
      pauseMs: value('pause'),
      allocated: value('allocated'),
      survived: value('new_space_survived'),
      promoted: value('promoted'),
    });
  }
  return found;
}

function traceRow(name: string, trace: string): string {
  const all = collections(trace);
  const scavenges = all.filter((c) => c.kind === 's');
  const marks = all.filter((c) => c.kind === 'mc');
  const pauses = scavenges.map((c) => c.pauseMs).sort((a, b) => a - b);
  const sum = (of: Collection[], key: keyof Omit<Collection, 'kind'>) => of.reduce((total, c) => total + c[key], 0);
  const allocatedMb = sum(scavenges, 'allocated') / MB;
  const perMb = (key: 'survived' | 'promoted') => ((sum(scavenges, key) / MB / allocatedMb) * 1000).toFixed(0);
  return (
    `| ${name} | ${scavenges.length} | ${median(pauses).toFixed(1)} / ${quantile(pauses, 0.9).toFixed(1)} | ` +
    `${perMb('survived')} / ${perMb('promoted')} | ${marks.length}, ${median(marks.map((c) => c.pauseMs)).toFixed(1)} |`
  );
}

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}

/** Surviving bytes by the innermost frame of this repository or a library, and the allocating frame. */
function survivorStacks(profiles: ProfileNode[]): Map<string, number> {
  const bytes = new Map<string, number>();
  const frameName = (node: ProfileNode) => {
    const url = node.callFrame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(apps|packages|bench)\//, '$1/');
    return `${node.callFrame.functionName || '(anonymous)'} ${url}`;
  };
  const walk = (node: ProfileNode, owner: string | undefined) => {
    const name = frameName(node);
    const ours = /^\S+ (apps|packages|bench)\//.test(name) || /^\S+ @?[a-z]/.test(name);
    const at = ours && !name.includes(' node:') ? name : owner;
    if (node.selfSize > 0) {
      const key = `${at ?? '(node or V8)'} <- ${name}`;
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, at);
  };
  for (const profile of profiles) walk(profile, undefined);
  return bytes;
}

/** Allocating stacks listed per path: past these, each holds a few tenths of a percent of the survivors. */
const TOP_STACKS = 15;

function main(dir: string): void {
  const files = readdirSync(dir);
  process.stdout.write(
    '| path | scavenges | pause median / p90 ms | kept young / promoted, KB per MB allocated | mark-compacts, median pause ms |\n| --- | ---: | ---: | ---: | ---: |\n',
  );
  for (const file of files.filter((f) => f.endsWith('.gc-trace')).sort()) {
    process.stdout.write(`${traceRow(file.replace(/\.gc-trace$/, ''), readFileSync(join(dir, file), 'utf8'))}\n`);
  }
  const byPath = new Map<string, ProfileNode[]>();
  for (const file of files) {
    const match = /^(.+)-(\d+)\.heapprofile$/.exec(file);
    if (match === null || match[2] === '1') continue;
    const head = (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { head: ProfileNode }).head;
    byPath.set(match[1]!, [...(byPath.get(match[1]!) ?? []), head]);
  }
  for (const [path, profiles] of [...byPath].sort()) {
    const stacks = [...survivorStacks(profiles)].sort((a, b) => b[1] - a[1]);
    const total = stacks.reduce((sum, [, size]) => sum + size, 0);
    process.stdout.write(`\n${path}: ${(total / MB).toFixed(1)} MB outlived a scavenge\n`);
    for (const [stack, size] of stacks.slice(0, TOP_STACKS)) process.stdout.write(`  ${(size / MB).toFixed(2)} MB  ${stack}\n`);
  }
}

main(process.argv[2] ?? '.');
