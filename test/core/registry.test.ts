import { describe, expect, it } from "vitest";
import { registeredJobs, registerJob, toJson, WorkerPool } from "../../src/index.js";

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return [error instanceof TypeError, (error as { code?: string }).code, (error as Error).message];
  }
  return "did not throw";
};

describe("registerJob", () => {
  it("registers a function once and lists it", () => {
    const fn = () => 1;
    registerJob("core.registry.one", fn);
    registerJob("core.registry.one", fn);
    expect(registeredJobs()).toContain("core.registry.one");
  });

  it("refuses an empty id, a non-function, and a second function under one id", () => {
    expect(codeOf(() => registerJob("", () => 1))).toEqual([true, "INVALID_ARGUMENT", expect.stringContaining("`id`")]);
    expect(codeOf(() => registerJob("core.registry.two", 42 as never))).toEqual([
      true,
      "INVALID_ARGUMENT",
      expect.stringContaining("`fn` to be a function"),
    ]);
    registerJob("core.registry.three", () => 1);
    expect(codeOf(() => registerJob("core.registry.three", () => 2))).toEqual([
      true,
      "INVALID_ARGUMENT",
      expect.stringContaining("already registered"),
    ]);
  });
});

describe("WorkerPool options", () => {
  const events = { end: () => undefined };
  it.each([
    [{ module: "/x.js", concurrency: 0 }, "`concurrency` to be an integer from 1 to 256, got `0` (number)"],
    [{ module: "/x.js", concurrency: 1.5 }, "`concurrency`"],
    [{ module: "/x.js", graceMs: -1 }, "`graceMs`"],
  ])("rejects %j", (options, message) => {
    expect(codeOf(() => new WorkerPool(options, events))).toEqual([
      true,
      "INVALID_ARGUMENT",
      expect.stringContaining(message),
    ]);
  });
});

describe("toJson", () => {
  it("keeps JSON, follows toJSON, drops undefined properties", () => {
    const component = { toJSON: () => ({ type: "Div", props: { children: "x" } }) };
    expect(toJson({ a: [1, "b", null, true], c: undefined, d: component })).toEqual({
      a: [1, "b", null, true],
      d: { type: "Div", props: { children: "x" } },
    });
  });

  it("refuses what JSON cannot carry", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const value of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      () => 1,
      Symbol("s"),
      new Map(),
      cycle,
      [undefined],
      10n,
    ]) {
      expect(toJson(value)).toBeUndefined();
    }
  });
});
