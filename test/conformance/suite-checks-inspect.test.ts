/** The inspect group fails managers whose snapshot lies, and passes managers without `inspect`. */
import { type ConformanceManagerOptions, MemoryManager } from "background-callbacks/testing";
import { describe, expect, it } from "vitest";
import type { ManagerSnapshot } from "../../src/manager/contract.js";
import { declared, declaredTest } from "./declared.js";

/** Counts the running job among the queued ones. */
class CountsRunningAsQueued extends MemoryManager {
  override async inspect(): Promise<ManagerSnapshot> {
    const snap = await super.inspect();
    return { ...snap, queued: snap.queued + snap.running.length };
  }
}

/** Never reports lost jobs. */
class HidesLost extends MemoryManager {
  override async inspect(): Promise<ManagerSnapshot> {
    return { ...(await super.inspect()), lostLastHour: 0 };
  }
}

/** Keeps answering after close(). */
class AnswersWhenClosed extends MemoryManager {
  readonly #last: Promise<ManagerSnapshot>;
  constructor(options: ConformanceManagerOptions) {
    super(options);
    this.#last = super.inspect();
  }
  override inspect(): Promise<ManagerSnapshot> {
    return this.#last;
  }
}

describe("the inspect group catches snapshots that lie", () => {
  it("a running job counted as queued fails", async () => {
    const run = declaredTest("inspect", /queued counts the waiting jobs/, (o) => new CountsRunningAsQueued(o));
    await expect(run()).rejects.toThrow(/the first job to run and three to wait/);
  }, 60_000);

  it("a manager that hides lost jobs fails", async () => {
    const run = declaredTest("inspect", /ended lost counts/, (o) => new HidesLost(o));
    await expect(run()).rejects.toThrow(/one job ended lost/);
  }, 60_000);

  it("inspect() that answers after close() fails", async () => {
    const run = declaredTest("inspect", /after close\(\)/, (o) => new AnswersWhenClosed(o));
    await expect(run()).rejects.toThrow(/inspect\(\) after close\(\) resolved; it must reject/);
  }, 60_000);

  it("the whole group passes the reference manager, and a manager without inspect by leaving it out", async () => {
    for (const run of declared("inspect", (o) => new MemoryManager(o)).values()) await run();
    const without = declared("inspect", (o) => Object.assign(new MemoryManager(o), { inspect: undefined }));
    for (const run of without.values()) await run();
  }, 120_000);
});
