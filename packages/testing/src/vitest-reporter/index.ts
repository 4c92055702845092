import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line after Vitest's own summary — `tests: N passed, N failed, N skipped` —
 * so any CI that reads closing lines counts the run; skipped tests are never counted as passed.
 */
export class SummaryLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}

export default SummaryLineReporter;
