import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { Watchers } from "../../src/index.js";

describe("Watchers", () => {
  it("many watches on one signal share one abort listener, no warning; aborting ends them all", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const watchers = new Watchers();
      const controller = new AbortController();
      const pending = Array.from({ length: 50 }, (_, i) => watchers.watch(`job${i % 5}`, controller.signal));
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
      expect(watchers.size).toBe(50);
      controller.abort();
      await Promise.all(pending);
      expect(watchers.size).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("the signal's listener goes with its last watch, and comes back for the next one", async () => {
    const watchers = new Watchers();
    const controller = new AbortController();
    const first = watchers.watch("a", controller.signal);
    const second = watchers.watch("b", controller.signal);
    watchers.notify("a");
    await first;
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    watchers.notify("b");
    await second;
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    const third = watchers.watch("a", controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    watchers.closeAll();
    await third;
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(watchers.size).toBe(0);
  });
});
