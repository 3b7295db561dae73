/**
 * Who held the cores during a benchmark run, thread by thread: each process's event loop, the
 * embedded engine's own threads (chDB's pools: merges, schedules, parts of inserts) and node's
 * other threads (libuv's pool, where the engine's queries and inserts run, and V8's helpers), with the CPU each took and how long each waited,
 * runnable, for its core (/proc/PID/task/TID/schedstat). A create that waits behind another
 * thread on the event loop's core shows here as the loop's wait and the other thread's CPU.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { NODE_THREAD_NAME } from '../apps/server/src/engine-thread-priority.ts';

/** The threads of a process, as a benchmark's tables name them. */
export type ThreadGroup = 'event loop' | 'engine' | 'node helpers';

interface ThreadTimes {
  group: ThreadGroup;
  cpuNs: number;
  waitNs: number;
}

/** One process of the run, by the name its row goes under. */
export interface WatchedProcess {
  label: string;
  pid: number;
}

/** A process's group of threads over a run: CPU and wait for a core, ms a second of the run. */
export interface CoreUseRow {
  label: string;
  group: ThreadGroup;
  cpuMsPerS: number;
  waitMsPerS: number;
}

function readThreads(pid: number): Map<number, ThreadTimes> {
  const threads = new Map<number, ThreadTimes>();
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    // The process has ended, or there is no /proc: nothing to say about it.
    return threads;
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      // schedstat: time on a CPU, time runnable but waiting for one (ns), timeslices.
      const [cpuNs, waitNs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      const group: ThreadGroup = tid === pid ? 'event loop' : NODE_THREAD_NAME.test(name) ? 'node helpers' : 'engine';
      threads.set(tid, { group, cpuNs: cpuNs!, waitNs: waitNs! });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/**
 * Starts watching `processes`; the function it returns reads them again and gives, per process and
 * group of threads with any CPU or wait, what each took of the `seconds` between the two reads.
 * A thread born during the run counts from zero.
 */
export function watchCoreUse(processes: readonly WatchedProcess[]): (seconds: number) => CoreUseRow[] {
  const before = processes.map((p) => readThreads(p.pid));
  return (seconds) =>
    processes.flatMap((p, i) => {
      const sums = new Map<ThreadGroup, { cpuNs: number; waitNs: number }>();
      for (const [tid, now] of readThreads(p.pid)) {
        const then = before[i]!.get(tid);
        const sum = sums.get(now.group) ?? { cpuNs: 0, waitNs: 0 };
        sum.cpuNs += now.cpuNs - (then?.cpuNs ?? 0);
        sum.waitNs += now.waitNs - (then?.waitNs ?? 0);
        sums.set(now.group, sum);
      }
      return [...sums]
        .filter(([, sum]) => sum.cpuNs > 0 || sum.waitNs > 0)
        .map(([group, sum]) => ({ label: p.label, group, cpuMsPerS: sum.cpuNs / 1e6 / seconds, waitMsPerS: sum.waitNs / 1e6 / seconds }));
    });
}
