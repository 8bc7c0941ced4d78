/**
 * The slot life cycle: a process that was sent a kill, or that a finished job's leftovers can
 * crash, never takes another job; a job handed to a process that died before it started runs
 * elsewhere; one that was running when its process died ends `lost`.
 */
import { describe, expect, it } from "vitest";
import { busyWait, harness, sleep, until, workerPids } from "./helpers.js";

const GRACE = 200;

describe("cancel at the kill deadline", () => {
  it("never hands the next job to the process being killed (supervisor stalled across the deadline)", async () => {
    const h = harness({ graceMs: GRACE });
    const cancelled = h.submit("pool.linger", [20]);
    const pid = await h.started(cancelled);
    const next = h.submit("pool.pid");
    h.pool.cancel(cancelled);
    await new Promise((resolve) => setImmediate(resolve)); // the abort goes out
    // The job returns 20 ms after its abort; its "done" and the expired kill timer now wait
    // together, and timers run first.
    busyWait(GRACE + 300);
    const outcome = await h.outcome(next);
    expect(outcome.kind).toBe("result");
    expect((outcome as { value: unknown }).value).not.toBe(pid);
    expect(h.ends(cancelled)).toBe(1);
    // Nothing after the cancel's end (a progress sent before the cancel may come first).
    const events = h.reports.filter(([, id]) => id === cancelled).map(([event]) => event);
    expect(events.filter((event) => event === "start")).toEqual(["start"]);
    expect(events.at(-1)).toBe("end");
  }, 60_000);

  it("keeps the process of a job that returns well before its deadline", async () => {
    const h = harness({ graceMs: 5_000 });
    const cancelled = h.submit("pool.linger", [0]);
    const pid = await h.started(cancelled);
    const next = h.submit("pool.pid");
    h.pool.cancel(cancelled);
    expect(await h.outcome(cancelled)).toEqual({ kind: "cancelled" });
    expect(await h.outcome(next)).toEqual({ kind: "result", value: pid });
  });

  it("randomised: jobs returning within ±10 ms of their kill, the supervisor busy in 0–15 ms chunks: no innocent lost", async () => {
    const grace = 40;
    const h = harness({ graceMs: grace });
    let noisy = true;
    const noise = (async () => {
      while (noisy) {
        await sleep(Math.random() * 3);
        busyWait(Math.random() * 15);
      }
    })();
    const outcomes: string[] = [];
    for (let i = 0; i < 25; i++) {
      const cancelled = h.submit("pool.linger", [grace + Math.random() * 20 - 10]);
      await h.started(cancelled);
      const next = h.submit("pool.echo", [i]);
      h.pool.cancel(cancelled);
      const outcome = await h.outcome(next);
      outcomes.push(outcome.kind === "result" && outcome.value === i ? "ok" : JSON.stringify(outcome));
      expect(h.ends(cancelled)).toBe(1);
    }
    noisy = false;
    await noise;
    expect(outcomes.filter((o) => o !== "ok")).toEqual([]);
  }, 300_000);
});

describe("a finished job's leftovers", () => {
  it.each([
    ["a timer that throws", "pool.stray", false],
    ["an unref'd timer that throws", "pool.stray", true],
    ["a promise that rejects unhandled", "pool.strayRejection", undefined],
  ])(
    "%s never harms the jobs after it",
    async (_name, callbackId, unref) => {
      const h = harness();
      const innocent: string[] = [];
      for (let i = 0; i < 4; i++) {
        const stray = h.submit(callbackId, [1 + (i % 4) * 7, ...(unref === undefined ? [] : [unref])]);
        innocent.push(h.submit("pool.wait", [30]), h.submit("pool.echo", [i]));
        expect((await h.outcome(stray)).kind).toBe("result");
      }
      const kinds = await Promise.all(innocent.map(async (id) => (await h.outcome(id)).kind));
      expect(kinds.filter((kind) => kind !== "result")).toEqual([]);
    },
    120_000,
  );

  it("a job that leaves a timer behind gives up its process; one that only logs keeps it", async () => {
    const h = harness();
    const logged = h.submit("pool.log", ["hello"]);
    const pid = ((await h.outcome(logged)) as { value: number }).value;
    expect(await h.outcome(h.submit("pool.pid"))).toEqual({ kind: "result", value: pid });
    const stray = h.submit("pool.stray", [60_000]);
    expect(await h.outcome(stray)).toEqual({ kind: "result", value: pid });
    const after = await h.outcome(h.submit("pool.pid"));
    expect(after.kind).toBe("result");
    expect((after as { value: number }).value).not.toBe(pid);
    await until(() => !workerPids().includes(pid));
  });

  it("a job whose own detached callback throws while it runs ends lost; the next job runs", async () => {
    const h = harness();
    const crashing = h.submit("pool.selfCrash");
    const next = h.submit("pool.echo", ["next"]);
    expect(await h.outcome(crashing)).toMatchObject({ kind: "lost" });
    expect(await h.outcome(next)).toEqual({ kind: "result", value: "next" });
  });
});

describe("a process that dies", () => {
  it("before the job handed to it started: the job runs on another process", async () => {
    const h = harness();
    const pid = ((await h.outcome(h.submit("pool.pid"))) as { value: number }).value;
    process.kill(pid, "SIGSTOP");
    try {
      const job = h.submit("pool.pid");
      await sleep(50); // the job is handed over; the stopped process cannot start it
      expect(h.reports.some(([event, id]) => event === "start" && id === job)).toBe(false);
      process.kill(pid, "SIGKILL");
      const outcome = await h.outcome(job);
      expect(outcome.kind).toBe("result");
      expect((outcome as { value: number }).value).not.toBe(pid);
      expect(h.ends(job)).toBe(1);
    } finally {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // gone already
      }
    }
  });

  it("by the job's own process.exit at once: the job ends lost and never runs twice", async () => {
    const h = harness();
    for (const code of [1, 0, 1]) {
      const job = h.submit("pool.exit", [code]);
      const next = h.submit("pool.echo", [code]);
      expect(await h.outcome(job)).toEqual({
        kind: "lost",
        reason: `The worker process running the job exited with code ${code}`,
      });
      expect(await h.outcome(next)).toEqual({ kind: "result", value: code });
      expect(h.reports.filter(([event, id]) => event === "start" && id === job)).toHaveLength(1);
    }
  }, 60_000);

  it("while its job runs: that job ends lost, once", async () => {
    const h = harness();
    const job = h.submit("pool.wait", [10_000]);
    const next = h.submit("pool.echo", [1]);
    process.kill(await h.started(job), "SIGKILL");
    expect(await h.outcome(job)).toEqual({
      kind: "lost",
      reason: "The worker process running the job was killed by SIGKILL",
    });
    expect(await h.outcome(next)).toEqual({ kind: "result", value: 1 });
    expect(h.ends(job)).toBe(1);
  });
});
