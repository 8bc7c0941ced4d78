/**
 * background-callbacks/testing: the conformance suite every manager must pass, the module of
 * job functions it runs, and the in-memory reference manager.
 *
 * @packageDocumentation
 */
import { cachingGroup } from "./suite/caching.js";
import { cancelGroup } from "./suite/cancel.js";
import { constructionGroup } from "./suite/construction.js";
import { crashGroup } from "./suite/crash.js";
import { inspectGroup } from "./suite/inspect.js";
import { isolationGroup } from "./suite/isolation.js";
import { lifecycleGroup } from "./suite/lifecycle.js";
import { type ConformanceOptions, type Suite, suiteOf } from "./suite/options.js";
import { orderingGroup } from "./suite/ordering.js";
import { outcomesGroup } from "./suite/outcomes.js";
import { positionGroup } from "./suite/position.js";
import { progressGroup } from "./suite/progress.js";
import { racesGroup } from "./suite/races.js";
import { setPropsGroup } from "./suite/set-props.js";
import { sharedGroup } from "./suite/shared.js";
import { stressGroup } from "./suite/stress.js";
import { timeoutGroup } from "./suite/timeout.js";
import { watchGroup } from "./suite/watch.js";

export type { ManagerFactory } from "./factory.js";
export { conformanceJobsModule } from "./jobs-module.js";
export { MemoryManager, type MemoryManagerOptions } from "./memory-manager.js";
export type { ConformanceManagerOptions, ConformanceOptions } from "./suite/options.js";

/** The names of the suite's groups, in the order `runConformanceSuite` declares them. */
export type ConformanceGroupName =
  | "ordering"
  | "progress"
  | "setProps"
  | "cancel"
  | "outcomes"
  | "crash"
  | "caching"
  | "lifecycle"
  | "isolation"
  | "races"
  | "stress"
  | "construction"
  | "shared"
  | "watch"
  | "position"
  | "timeout"
  | "inspect";

const GROUPS: Readonly<Record<ConformanceGroupName, (suite: Suite) => void>> = {
  ordering: orderingGroup,
  progress: progressGroup,
  setProps: setPropsGroup,
  cancel: cancelGroup,
  outcomes: outcomesGroup,
  crash: crashGroup,
  caching: cachingGroup,
  lifecycle: lifecycleGroup,
  isolation: isolationGroup,
  races: racesGroup,
  stress: stressGroup,
  construction: constructionGroup,
  shared: sharedGroup,
  watch: watchGroup,
  position: positionGroup,
  timeout: timeoutGroup,
  inspect: inspectGroup,
};

/**
 * Declares the whole conformance suite: one `describe(options.name)` holding a `describe` per
 * group. Each test creates its own managers through the factory module (or `options.create`) and
 * closes them, so tests are independent of order and need no hooks. Worker processes construct the
 * manager through the same factory module at import, as an app module does; for a shared manager,
 * second processes open the same namespace through it. Imports no test runner.
 *
 * Tests of a capability that is `false` do not skip: they assert the `NOT_SUPPORTED` rejection.
 * The shared group is declared only when the factory's manager says `capabilities.shared`.
 *
 * @throws `INVALID_ARGUMENT` (a `TypeError`) for options that are missing or of the wrong type.
 * @example
 * ```ts
 * // test/my-manager.test.ts: works the same with jest, or node:test's describe and it
 * import { describe, it } from "vitest";
 * import { runConformanceSuite } from "background-callbacks/testing";
 *
 * // factory.ts: `export default (options) => new MyManager({ ...options, schema: options.namespace })`
 * runConformanceSuite({
 *   name: "MyManager",
 *   describe,
 *   it,
 *   factory: new URL("./factory.ts", import.meta.url),
 *   leaseMs: 2_000, // the lease factory.ts gives the manager
 *   timeScale: 2, // a slow CI machine
 * });
 * ```
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const suite = suiteOf(options);
  suite.describe(suite.name, () => {
    for (const group of Object.values(GROUPS)) group(suite);
  });
}

/**
 * Each group of the suite alone, e.g. `conformanceGroups.cancel(options)`: declares
 * `describe(options.name)` holding only that group. Same options as {@link runConformanceSuite}.
 */
export const conformanceGroups: Readonly<Record<ConformanceGroupName, (options: ConformanceOptions) => void>> =
  Object.freeze(
    Object.fromEntries(
      Object.entries(GROUPS).map(([name, group]) => [
        name,
        (options: ConformanceOptions): void => {
          const suite = suiteOf(options);
          suite.describe(suite.name, () => group(suite));
        },
      ]),
    ) as Record<ConformanceGroupName, (options: ConformanceOptions) => void>,
  );
