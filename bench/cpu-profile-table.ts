/**
 * The top costs of a V8 CPU profile (`node --cpu-prof`, or the inspector's Profiler) as a markdown
 * table per unit of work: self time of each function, and of each part of the process (Tollgate's
 * code, each npm package, Node's internals, the engine's native work, garbage collection), divided
 * by the requests or events served while the samples were taken.
 *
 * `node apps/cli/bin/run-ts.js bench/cpu-profile-table.ts FILE.cpuprofile UNITS [UNIT_NAME] [FROM_US TO_US ...]`
 * prints the tables; bench:decide and bench:ingest call `profileTables` with BENCH_CPU_PROFILE set.
 * FROM_US/TO_US pairs keep the samples of those windows only (process.hrtime in microseconds,
 * the profile's own clock on Linux), so start-up and warm-up stay out of the figures.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A window of the profile's clock (microseconds), as `process.hrtime.bigint() / 1000n` reads it. */
export interface SampleWindow {
  fromUs: number;
  toUs: number;
}

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Tollgate's trees: this one, and the checkout of BENCH_BASELINE whose servers the benches profile alike. */
const ROOTS = [ROOT, ...(process.env.BENCH_BASELINE ? [`${resolve(process.env.BENCH_BASELINE)}/`] : [])];
const rootOf = (path: string) => ROOTS.find((root) => path.startsWith(root));

/** Where a frame's code lives: a Tollgate file, an npm package, Node itself, or V8's pseudo-frames. */
function part(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return rootOf(path) !== undefined ? 'tollgate' : 'other';
}

function location(url: string, line: number): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('node_modules/');
  const short = modules >= 0 ? path.slice(modules + 'node_modules/'.length) : path.slice(rootOf(path)?.length ?? 0);
  return `${short}:${line + 1}`;
}

/** Self time (microseconds) per frame key and per part, over the samples inside `windows` (all without). */
export function selfTimes(
  profile: CpuProfile,
  windows: SampleWindow[] = [],
): { byFunction: Map<string, number>; byPart: Map<string, number>; totalUs: number } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byPart = new Map<string, number>();
  let at = profile.startTime;
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // A sample's delta is the time since the previous one: the time its stack was on the CPU.
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows.length > 0 && !windows.some((w) => at >= w.fromUs && at <= w.toUs)) continue;
    const node = nodes.get(profile.samples[i]!)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    const name = functionName || '(anonymous)';
    const key = `${name} ${location(url, lineNumber)}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + delta);
    const p = part(url, name);
    byPart.set(p, (byPart.get(p) ?? 0) + delta);
    totalUs += delta;
  }
  return { byFunction, byPart, totalUs };
}

/**
 * Two markdown tables: the parts of the process, then the `top` functions by self time, each in
 * microseconds per unit (request, event) and as a share of the busy samples.
 */
export function profileTables(
  profile: CpuProfile,
  opts: { units: number; unitName: string; windows?: SampleWindow[]; top?: number },
): string {
  const { byFunction, byPart, totalUs } = selfTimes(profile, opts.windows);
  const per = (us: number) => (us / Math.max(opts.units, 1)).toFixed(2);
  const share = (us: number) => `${((us / Math.max(totalUs, 1)) * 100).toFixed(1)} %`;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return [
    `| part of the process | us per ${opts.unitName} | share of busy samples |`,
    '| --- | --- | --- |',
    ...sorted(byPart).map(([name, us]) => `| ${name} | ${per(us)} | ${share(us)} |`),
    `| total on the main thread | ${per(totalUs)} | 100 % |`,
    '',
    `| function (self time) | us per ${opts.unitName} | share of busy samples |`,
    '| --- | --- | --- |',
    ...sorted(byFunction)
      .slice(0, opts.top ?? 15)
      .map(([name, us]) => `| \`${name.replaceAll('|', '\\|')}\` | ${per(us)} | ${share(us)} |`),
  ].join('\n');
}

/** Node's flags for a server profiled into its own directory `dir/name` (emptied first), or `args` alone without a `dir`. */
export function profiledArgs(dir: string | undefined, name: string, args: string[]): string[] {
  if (dir === undefined) return args;
  const own = join(dir, name);
  rmSync(own, { recursive: true, force: true });
  mkdirSync(own, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${own}`, ...args];
}

/** The main thread's profile a server wrote at exit into `dir/name` (tsx's loader thread has a file of its own). */
export function readMainThreadProfile(dir: string, name: string): CpuProfile {
  // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile: thread 0 is the main thread.
  const [file] = readdirSync(join(dir, name)).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  if (file === undefined) throw new Error(`no CPU profile in ${join(dir, name)}`);
  return JSON.parse(readFileSync(join(dir, name, file), 'utf8')) as CpuProfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, units, unitName = 'unit', ...bounds] = process.argv.slice(2);
  if (!file || !units) {
    console.error('usage: cpu-profile-table.ts FILE.cpuprofile UNITS [UNIT_NAME] [FROM_US TO_US ...]');
    process.exit(2);
  }
  const windows: SampleWindow[] = [];
  for (let i = 0; i + 1 < bounds.length; i += 2) windows.push({ fromUs: Number(bounds[i]), toUs: Number(bounds[i + 1]) });
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(profileTables(profile, { units: Number(units), unitName, windows, top: 25 }));
}
