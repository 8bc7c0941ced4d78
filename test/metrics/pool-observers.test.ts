import { afterEach, describe, expect, it } from "vitest";
import { type EndedJob, type JobOutcome, type ObservedJob, observePools, WorkerPool } from "../../src/index.js";
import { jobsModule, until } from "../worker/helpers.js";

type Seen = ["started", ObservedJob] | ["ended", EndedJob] | ["end", string, JobOutcome];

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((undo) => undo()));
});

/** A pool of concurrency 1 on the pool tests' jobs, and everything its observer and `end` saw, in order. */
function observed(): {
  pool: WorkerPool;
  seen: Seen[];
  ended: (jobId: string) => EndedJob | undefined;
  stop: () => void;
  pids: Map<string, number>;
} {
  const seen: Seen[] = [];
  const pids = new Map<string, number>();
  const pool = new WorkerPool(
    { module: jobsModule, graceMs: 200 },
    { start: (jobId, pid) => pids.set(jobId, pid), end: (jobId, outcome) => seen.push(["end", jobId, outcome]) },
  );
  const stop = observePools({
    started: (job) => seen.push(["started", job]),
    ended: (job) => seen.push(["ended", job]),
  });
  cleanup.push(stop, () => pool.close());
  const ended = (jobId: string) =>
    seen.flatMap((entry) => (entry[0] === "ended" && entry[1].jobId === jobId ? [entry[1]] : []))[0];
  return { pool, seen, ended, stop, pids };
}

describe("pool observers (what the metrics count)", () => {
  it("see each start once and each end once, before the pool's own end, with the outcome and times", async () => {
    const { pool, seen, ended, pids } = observed();
    const submittedAt = Date.now() - 5_000;
    pool.submit({ jobId: "a", callbackId: "pool.echo", args: [1], submittedAt });
    pool.submit({ jobId: "b", callbackId: "pool.linger", args: [0] });
    pool.submit({ jobId: "c", callbackId: "pool.echo", args: [2] });
    await until(() => seen.some((entry) => entry[0] === "started" && entry[1].jobId === "b"));
    expect(pool.cancel("c")).toBe(true); // queued: ends without a start
    expect(pool.cancel("b")).toBe(true); // running: ends cancelled at once
    pool.submit({ jobId: "d", callbackId: "pool.wait", args: [30_000] });
    await until(() => pids.has("d"));
    process.kill(pids.get("d") as number, "SIGKILL"); // its process dies: the job ends lost
    await until(() => ended("d") !== undefined);

    const kinds = (jobId: string) =>
      seen.filter((entry) => entry[0] !== "end" && entry[1].jobId === jobId).map(([kind]) => kind);
    expect(["a", "b", "c", "d"].map(kinds)).toEqual([
      ["started", "ended"],
      ["started", "ended"],
      ["ended"],
      ["started", "ended"],
    ]);
    for (const jobId of ["a", "b", "c", "d"]) {
      const observer = seen.findIndex((entry) => entry[0] === "ended" && entry[1].jobId === jobId);
      const own = seen.findIndex((entry) => entry[0] === "end" && entry[1] === jobId);
      expect(observer, jobId).toBeGreaterThanOrEqual(0);
      expect(observer, jobId).toBeLessThan(own);
    }
    expect(ended("a")).toMatchObject({ callbackId: "pool.echo", outcome: "result", submittedAt });
    expect((ended("a")?.startedAt ?? 0) - submittedAt).toBeGreaterThanOrEqual(5_000);
    expect(ended("a")?.runSeconds).toBeGreaterThanOrEqual(0);
    expect(ended("b")).toMatchObject({ callbackId: "pool.linger", outcome: "cancelled" });
    expect(ended("b")?.runSeconds).toBeGreaterThanOrEqual(0);
    expect(ended("c")).toMatchObject({ outcome: "cancelled" });
    expect(ended("c")?.startedAt).toBeUndefined();
    expect(ended("c")?.runSeconds).toBeUndefined();
    expect(ended("d")).toMatchObject({ outcome: "lost" });
  }, 60_000);

  it("an observer that throws changes nothing; one that stopped hears nothing more", async () => {
    const { pool, seen, ended, stop } = observed();
    const broken = observePools({
      started: () => {
        throw new Error("observer bug");
      },
      ended: () => {
        throw new Error("observer bug");
      },
    });
    cleanup.push(broken);
    pool.submit({ jobId: "e", callbackId: "pool.echo", args: ["x"] });
    await until(() => seen.some((entry) => entry[0] === "end" && entry[1] === "e"));
    expect(seen.find((entry) => entry[0] === "end")).toEqual(["end", "e", { kind: "result", value: "x" }]);
    expect(ended("e")).toMatchObject({ outcome: "result" });
    stop();
    const count = seen.length;
    pool.submit({ jobId: "f", callbackId: "pool.echo", args: ["y"] });
    await until(() => seen.some((entry) => entry[0] === "end" && entry[1] === "f"));
    expect(seen.length).toBe(count + 1);
  }, 60_000);

  it("a job's submittedAt is validated", () => {
    const pool = new WorkerPool({ module: jobsModule }, { end: () => undefined });
    cleanup.push(() => pool.close());
    for (const submittedAt of [-1, 1.5, "now"]) {
      expect(() =>
        pool.submit({ jobId: `s${submittedAt}`, callbackId: "cb", args: [], submittedAt: submittedAt as number }),
      ).toThrow(/Expected `job.submittedAt` to be an integer from 0 and up/);
    }
  });
});
