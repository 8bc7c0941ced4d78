import {
  type ConformanceManagerOptions,
  type ConformanceOptions,
  conformanceGroups,
  MemoryManager,
} from "background-callbacks/testing";
import { describe, expect, it } from "vitest";

const fixture = (name: string): URL => new URL(`../fixtures/conformance/${name}.ts`, import.meta.url);

/** Declares a group into a map of test name → test function, to run them here and see them fail. */
function declared(
  group: keyof typeof conformanceGroups,
  options: Omit<ConformanceOptions, "describe" | "it">,
): Map<string, () => Promise<void>> {
  const tests = new Map<string, () => Promise<void>>();
  conformanceGroups[group]({
    ...options,
    describe: (_name, fn) => fn(),
    it: (name, fn) => void tests.set(name, fn),
  });
  return tests;
}

const only = (tests: Map<string, () => Promise<void>>): (() => Promise<void>) => {
  expect(tests.size).toBe(1);
  return [...tests.values()][0] as () => Promise<void>;
};

describe("the suite catches what breaks in apps", () => {
  it("a manager that starts a process when constructed fails the construction test, told to construct lazily", async () => {
    const test = only(declared("construction", { name: "eager", factory: fixture("eager-factory") }));
    await expect(test()).rejects.toThrow(/started ProcessWrap.*construct lazily/s);
  });

  it("a manager that throws when constructed in a worker process fails it, with the error and the fix", async () => {
    const test = only(declared("construction", { name: "throwing", factory: fixture("throwing-factory") }));
    await expect(test()).rejects.toThrow(/cannot start worker processes of its own.*construct lazily/s);
  });

  it("without a factory module the construction test fails and says how to add one", async () => {
    const test = only(declared("construction", { name: "no factory", create: (o) => new MemoryManager(o) }));
    await expect(test()).rejects.toThrow(/No `factory` module was given/);
  });

  it("the shared group is declared for a shared manager only", () => {
    expect(declared("shared", { name: "memory", factory: fixture("memory-factory") }).size).toBe(0);
    expect(declared("shared", { name: "disk", factory: fixture("disk-factory") }).size).toBe(8);
  });

  it("BACKGROUND_CALLBACKS_TIME_SCALE multiplies timeScale, and a bad value is refused", () => {
    const timeouts: (number | undefined)[] = [];
    const options = { name: "scaled", create: (o: ConformanceManagerOptions) => new MemoryManager(o), timeScale: 2 };
    const declare = (): void =>
      conformanceGroups.construction({
        ...options,
        describe: (_name, fn) => fn(),
        it: (_name, _fn, timeoutMs) => void timeouts.push(timeoutMs),
      });
    try {
      process.env.BACKGROUND_CALLBACKS_TIME_SCALE = "1.5";
      declare();
      expect(timeouts).toEqual([90_000]);
      process.env.BACKGROUND_CALLBACKS_TIME_SCALE = "fast";
      expect(declare).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    } finally {
      delete process.env.BACKGROUND_CALLBACKS_TIME_SCALE;
    }
  });

  it("bad factory and create options are refused with INVALID_ARGUMENT", () => {
    const base = { name: "x", describe: () => undefined, it: () => undefined };
    for (const bad of [
      {},
      { factory: "relative/path.ts" },
      { factory: 42 },
      { factory: "/no/such/module.ts" },
      { create: 1 },
    ]) {
      expect(() => conformanceGroups.construction({ ...base, ...bad } as unknown as ConformanceOptions)).toThrow(
        expect.objectContaining({ name: "TypeError", code: "INVALID_ARGUMENT" }),
      );
    }
  });
});
