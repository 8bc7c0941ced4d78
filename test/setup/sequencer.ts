/**
 * Starts the slowest test files first, so that with several workers the run does not end on one
 * long file started last. A fresh clone has no vitest cache of durations (vitest would then keep
 * the listing order); the weights below are the files' measured durations, in seconds, on a
 * 2-core CI machine running one file at a time. Files not listed come after, in vitest's own order (cached durations when
 * there are some). `.ci/run` prints the slowest files of each run: update the weights from it.
 */
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Seconds per file, or per folder for the files of a folder not named itself. */
const WEIGHTS: ReadonlyArray<readonly [string, number]> = [
  ["test/packaging/pack.test.ts", 121],
  ["test/conformance/disk.test.ts", 102],
  ["test/conformance/queue.test.ts", 86],
  ["test/browser/examples.test.ts", 79],
  ["test/browser/lcbc.test.ts", 75],
  ["test/conformance/memory.test.ts", 55],
  ["test/worker/slots.test.ts", 31],
  ["test/managers/queue/stalled.test.ts", 23],
  ["test/conformance/suite-checks-push.test.ts", 23],
  ["test/browser/", 15],
  ["test/managers/queue/redis-restart.test.ts", 19],
  ["test/cli/", 16],
  ["test/managers/disk/timeout.test.ts", 14],
];

function weightOf(file: string): number {
  for (const [path, seconds] of WEIGHTS) {
    if (path.endsWith("/") ? file.startsWith(path) : file === path) return seconds;
  }
  return 0;
}

export class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const weight = (spec: TestSpecification) => weightOf(relative(spec.project.config.root, spec.moduleId));
    // Array.prototype.sort is stable: equal weights keep vitest's order.
    return sorted.sort((a, b) => weight(b) - weight(a));
  }
}
