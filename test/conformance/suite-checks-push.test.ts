/** The watch, position and timeout groups fail managers that break those members, and pass managers without them. */
import { MemoryManager } from "background-callbacks/testing";
import { describe, expect, it } from "vitest";
import type { JobHandle, JobRequest, WatchOptions } from "../../src/manager/contract.js";
import { declared, declaredTest as test } from "./declared.js";

/** Its watch ends only when the signal aborts: news never wakes it. */
class DeafWatch extends MemoryManager {
  override async watch(_jobId: string, signal: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  }
}

/** Its watch works but leaves an abort listener on every signal it was given. */
class LeakyWatch extends MemoryManager {
  override watch(jobId: string, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => undefined);
    return super.watch(jobId, signal);
  }
}

/** Declares queue watches but ignores the hint: a job ahead starting does not wake them. */
class DeafQueueWatch extends MemoryManager {
  override watch(jobId: string, signal: AbortSignal, _options?: WatchOptions): Promise<void> {
    return super.watch(jobId, signal);
  }
}

/** Counts running jobs as ahead of a queued one. */
class OffByOne extends MemoryManager {
  override async position(jobId: string): Promise<number | undefined> {
    const ahead = await super.position(jobId);
    return ahead === undefined ? undefined : ahead + 1;
  }
}

/** Drops `timeoutMs` on the way to its workers. */
class NoLimit extends MemoryManager {
  override submit(job: JobRequest): Promise<JobHandle> {
    const { timeoutMs: _dropped, ...rest } = job;
    return super.submit(rest);
  }
}

describe("the push, position and timeout groups catch broken members", () => {
  it("a watch that news never wakes fails, told that a cancel must end every watch", async () => {
    const run = test("watch", /overlapping watches/, (o) => new DeafWatch(o));
    await expect(run()).rejects.toThrow(/a cancel must end every watch/);
  }, 60_000);

  it("a watch that leaves abort listeners behind fails", async () => {
    const run = test("watch", /overlapping watches/, (o) => new LeakyWatch(o));
    await expect(run()).rejects.toThrow(/ended watches must remove their listeners/);
  }, 60_000);

  it("a queue watch that a job ahead starting does not wake fails, on a manager that declares queueWatch", async () => {
    const run = test("watch", /queue watch of a queued job resolves/, (o) => new DeafQueueWatch(o));
    await expect(run()).rejects.toThrow(/never resolved when a job ahead started/);
  }, 60_000);

  it("positions that count the running job fail", async () => {
    const run = test("position", /0\/1\/2/, (o) => new OffByOne(o));
    await expect(run()).rejects.toThrow(/positions read \[null,1,2,3\]|Timed out/);
  }, 60_000);

  it("a manager that ignores timeoutMs fails", async () => {
    const run = test("timeout", /cooperative job that stops/, (o) => new NoLimit(o));
    await expect(run()).rejects.toThrow(/must end with the timeout error/);
  }, 60_000);

  it("a manager without watch and position passes those groups by leaving them out", async () => {
    for (const group of ["watch", "position"] as const) {
      for (const run of declared(group, (o) =>
        Object.assign(new MemoryManager(o), {
          watch: undefined,
          position: undefined,
          capabilities: Object.freeze({ caching: true, shared: false }),
        }),
      ).values())
        await run();
    }
  }, 120_000);
});
