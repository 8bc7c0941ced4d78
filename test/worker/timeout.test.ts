/** Per-job time limits: abort at the limit, kill after the grace period, one timeout error. */
import { describe, expect, it } from "vitest";
import type { JobOutcome, Json } from "../../src/manager/contract.js";
import { harness, sleep, until, workerPids } from "./helpers.js";

let ids = 0;

/** Submits a job with a time limit on the harness's pool; returns its id. */
function submitLimited(h: ReturnType<typeof harness>, callbackId: string, args: Json[], timeoutMs?: number): string {
  const jobId = `limited-${ids++}`;
  h.pool.submit({ jobId, callbackId, args, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  return jobId;
}

const timedOut = (ms: number): JobOutcome => ({ kind: "error", message: `The job timed out after ${ms / 1000} s` });

describe("timeoutMs", () => {
  it("a job that ignores its signal ends timed out once; its process is killed and replaced", async () => {
    const h = harness({ concurrency: 1, graceMs: 100 });
    const slow = submitLimited(h, "pool.wait", [60_000], 200);
    const next = h.submit("pool.pid");
    const pid = await h.started(slow);
    expect(await h.outcome(slow)).toEqual(timedOut(200));
    await until(() => !workerPids().includes(pid));
    const nextPid = await h.outcome(next);
    expect(nextPid).toMatchObject({ kind: "result" });
    expect((nextPid as { value: number }).value).not.toBe(pid);
    expect(h.ends(slow)).toBe(1);
  });

  it("a cooperative job that returns at the abort, or within the grace period, still ends timed out", async () => {
    const h = harness({ concurrency: 2, graceMs: 2_000 });
    const atOnce = submitLimited(h, "pool.linger", [0], 150);
    const withinGrace = submitLimited(h, "pool.linger", [300], 150);
    expect(await h.outcome(atOnce)).toEqual(timedOut(150));
    expect(await h.outcome(withinGrace)).toEqual(timedOut(150));
    await sleep(500);
    expect([h.ends(atOnce), h.ends(withinGrace)]).toEqual([1, 1]);
    const progressAfter = h.reports.filter(([event, id], i) => {
      const end = h.reports.findIndex(([e, j]) => e === "end" && j === id);
      return event !== "end" && (id === atOnce || id === withinGrace) && i > end;
    });
    expect(progressAfter).toEqual([]);
  });

  it("a stalled process (SIGSTOP) past its limit is killed, and the job ends timed out once", async () => {
    const h = harness({ concurrency: 1, graceMs: 100 });
    const stalled = submitLimited(h, "pool.wait", [60_000], 200);
    const pid = await h.started(stalled);
    process.kill(pid, "SIGSTOP");
    expect(await h.outcome(stalled)).toEqual(timedOut(200));
    await until(() => !workerPids().includes(pid));
    expect(await h.outcome(h.submit("pool.echo", ["after"]))).toEqual({ kind: "result", value: "after" });
    expect(h.ends(stalled)).toBe(1);
  });

  it("time spent queued does not count; a job within its limit ends normally", async () => {
    const h = harness({ concurrency: 1 });
    const ahead = h.submit("pool.wait", [600]);
    const queued = submitLimited(h, "pool.echo", ["in time"], 400);
    expect(await h.outcome(ahead)).toMatchObject({ kind: "result" });
    expect(await h.outcome(queued)).toEqual({ kind: "result", value: "in time" });
  });

  it("the limit raced against a cancel and against the job's own end: exactly one end each", async () => {
    const h = harness({ concurrency: 2, graceMs: 50 });
    const jobs: string[] = [];
    for (let i = 0; i < 12; i++) {
      const jobId = submitLimited(h, i % 2 ? "pool.wait" : "pool.linger", i % 2 ? [100] : [0], 100);
      jobs.push(jobId);
      if (i % 3 === 0) void h.started(jobId).then(() => setTimeout(() => h.pool.cancel(jobId), 95 + (i % 10)));
    }
    const outcomes = await Promise.all(jobs.map((jobId) => h.outcome(jobId)));
    await sleep(300);
    for (const [i, outcome] of outcomes.entries()) {
      expect(["result", "cancelled", "error"]).toContain(outcome.kind);
      if (outcome.kind === "error") expect(outcome).toEqual(timedOut(100));
      expect(h.ends(jobs[i] as string)).toBe(1);
    }
    expect(h.pool.stats).toMatchObject({ queued: 0, running: 0 });
  });

  it("refuses a limit that is not an integer from 1 to 2,147,483,647", () => {
    const h = harness();
    for (const timeoutMs of [0, -5, 1.5, Number.NaN, "100", 2 ** 31]) {
      expect(() =>
        h.pool.submit({ jobId: `bad-${ids++}`, callbackId: "pool.echo", args: [], timeoutMs: timeoutMs as number }),
      ).toThrowError(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    }
    expect(h.pool.stats).toMatchObject({ queued: 0, running: 0 });
  });
});
