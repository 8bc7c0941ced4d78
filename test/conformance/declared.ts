/** The tests one conformance group declares, collected instead of run, for the suite's self-checks. */
import {
  type ConformanceManagerOptions,
  type ConformanceOptions,
  conformanceGroups,
} from "background-callbacks/testing";
import { expect } from "vitest";
import type { BackgroundCallbackManager } from "../../src/manager/contract.js";

export type Group = keyof typeof conformanceGroups;
type Create = (options: ConformanceManagerOptions) => BackgroundCallbackManager;

/** Every test of `group` on managers made by `create`, by title. */
export function declared(group: Group, create: Create): Map<string, () => Promise<void>> {
  const tests = new Map<string, () => Promise<void>>();
  const options: ConformanceOptions = {
    name: "checked",
    create,
    describe: (_name, fn) => fn(),
    it: (name, fn) => void tests.set(name, fn),
  };
  conformanceGroups[group](options);
  return tests;
}

/** The one test of `group` whose title matches `name`. */
export function declaredTest(group: Group, name: RegExp, create: Create): () => Promise<void> {
  const found = [...declared(group, create).entries()].filter(([title]) => name.test(title));
  expect(found).toHaveLength(1);
  return (found[0] as [string, () => Promise<void>])[1];
}
