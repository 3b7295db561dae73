import type { Reporter, TestCase, TestModule, TestRunEndReason, TestSuite } from 'vitest/node';

interface Counts {
  passed: number;
  /** Tests that ran and failed. */
  failed: number;
  skipped: number;
  /** Tests that were meant to run but did not, because a beforeAll of theirs failed. */
  didNotRun: number;
  /** Failures no test carries: a file that did not load, an afterAll, an error outside any test. */
  outside: number;
}

type Outcome = 'passed' | 'failed' | 'didNotRun' | 'skipped';

function outcome(test: TestCase): Outcome {
  const state = test.result().state;
  if (state === 'passed' || state === 'failed') return state;
  // A test skipped on purpose has mode skip or todo; one its failed beforeAll kept from running kept run.
  const meantToRun = test.options.mode === 'run' || test.options.mode === 'only';
  return meantToRun && suiteFailed(test.parent) ? 'didNotRun' : 'skipped';
}

/** Whether this suite or one around it failed by an error of its own (a hook, the file's import). */
function suiteFailed(suite: TestModule | TestSuite): boolean {
  for (let current: TestModule | TestSuite | undefined = suite; current; current = current.type === 'suite' ? current.parent : undefined) {
    if (current.errors().length > 0) return true;
  }
  return false;
}

/** The run's counts, where everything that makes the run fail counts as failed. */
export function countRun(testModules: ReadonlyArray<TestModule>, unhandledErrors: number, reason: TestRunEndReason): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0, didNotRun: 0, outside: unhandledErrors };
  for (const module of testModules) {
    for (const test of module.children.allTests()) counts[outcome(test)] += 1;
    // A suite's own errors come from its hooks (the module's also from its import): each such suite
    // counts once, unless a test inside it already carries the failure.
    for (const suite of [module, ...module.children.allSuites()]) {
      const carried = [...suite.children.allTests()].some((test) => outcome(test) === 'failed' || outcome(test) === 'didNotRun');
      if (suite.errors().length > 0 && !carried) counts.outside += 1;
    }
  }
  // Anything else vitest fails a run for (no test files, a crashed worker) still reads as a failure.
  if (reason === 'failed' && counts.failed + counts.didNotRun + counts.outside === 0) counts.outside = 1;
  return counts;
}

/** The closing line: "tests: N passed, N failed, N skipped", saying which failures were not a test's own. */
export function closingLine(counts: Counts): string {
  const failed = counts.failed + counts.didNotRun + counts.outside;
  const notes = [
    counts.didNotRun > 0 && `${counts.didNotRun} did not run: a beforeAll failed`,
    counts.outside > 0 && `${counts.outside} outside tests: a file that did not load, a failed hook or an unhandled error`,
  ].filter(Boolean);
  return `tests: ${counts.passed} passed, ${failed} failed, ${counts.skipped} skipped${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

/**
 * Ends the run with the plain line CI readers look for ("N passed, N failed, N skipped"), after
 * vitest's own report. It agrees with the exit code: a file that does not load, a failed hook and
 * the tests a failed beforeAll kept from running count as failed, so a failing run never reads
 * `0 failed`.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, reason: TestRunEndReason): void {
    process.stdout.write(`\n${closingLine(countRun(testModules, unhandledErrors.length, reason))}\n`);
  }
}
