import { describeValue, invalidArgument } from "../../errors.js";
import type { BackgroundCallbackManager } from "../../manager/contract.js";
import { conformanceJobsModule } from "../jobs-module.js";

/** What the suite asks `create` for. Each test calls `create` once per manager it needs. */
export interface ConformanceManagerOptions {
  /** The module worker processes must load: {@link conformanceJobsModule}. */
  readonly workerModule: string;
  /** Jobs running at once. */
  readonly concurrency: number;
  /** Milliseconds a cancelled job may run on before its process is killed. */
  readonly cancelGraceMs: number;
  /** Milliseconds an ended job's record is kept (short in the expiry test, a day otherwise). */
  readonly ttlMs: number;
}

/** Options of `runConformanceSuite` and of each group in `conformanceGroups`. */
export interface ConformanceOptions {
  /** The top-level `describe` name, e.g. `"DiskManager"`. */
  readonly name: string;
  /** The test runner's `describe` (vitest, jest, `node:test`). */
  readonly describe: (name: string, fn: () => void) => void;
  /** The test runner's `it`; the suite passes an explicit timeout in milliseconds to every test. */
  readonly it: (name: string, fn: () => Promise<void>, timeoutMs?: number) => void;
  /**
   * Returns a fresh manager that shares no jobs with any other: every test creates its own and
   * closes it. Pass the options on (`workerModule`, `concurrency`, `cancelGraceMs`).
   */
  readonly create: (
    options: ConformanceManagerOptions,
  ) => BackgroundCallbackManager | Promise<BackgroundCallbackManager>;
  /**
   * Multiplies every wait, time bound and test timeout; raise it for slow backends or CI machines.
   * @default 1
   */
  readonly timeScale?: number;
}

/** The checked options, as the groups use them. */
export interface Suite {
  readonly name: string;
  readonly describe: ConformanceOptions["describe"];
  readonly create: ConformanceOptions["create"];
  readonly jobsModule: string;
  /** `ms` multiplied by `timeScale`. */
  scale(ms: number): number;
  /** Declares one test with a timeout of `timeoutMs` × `timeScale`. */
  test(name: string, timeoutMs: number, fn: () => Promise<void>): void;
}

/** Checks the options once, so a typo fails at once with a clear message. */
export function suiteOf(options: ConformanceOptions): Suite {
  if (options === null || typeof options !== "object") {
    throw invalidArgument("testing", `Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
  const { name, describe, it, create } = options;
  const timeScale = options.timeScale ?? 1;
  if (typeof name !== "string" || name.length === 0) {
    throw invalidArgument("testing", `Expected \`name\` to be a non-empty string, got ${describeValue(name)}`);
  }
  for (const [key, fn] of Object.entries({ describe, it, create })) {
    if (typeof fn !== "function") {
      throw invalidArgument("testing", `Expected \`${key}\` to be a function, got ${describeValue(fn)}`);
    }
  }
  if (typeof timeScale !== "number" || !Number.isFinite(timeScale) || timeScale <= 0) {
    throw invalidArgument("testing", `Expected \`timeScale\` to be a positive number, got ${describeValue(timeScale)}`);
  }
  const scale = (ms: number): number => Math.round(ms * timeScale);
  return {
    name,
    describe,
    create,
    jobsModule: conformanceJobsModule,
    scale,
    test: (testName, timeoutMs, fn) => it(testName, fn, scale(timeoutMs)),
  };
}
