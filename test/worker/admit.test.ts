/** The admit gate: asked in FIFO order right before each start, one at a time; fails open. */
import { describe, expect, it } from "vitest";
import { harness, until, workerPids } from "./helpers.js";

function gate() {
  const asked: string[] = [];
  const answers = new Map<string, (value: boolean) => void>();
  let pending = 0;
  let maxPending = 0;
  return {
    asked,
    get maxPending() {
      return maxPending;
    },
    admit(jobId: string): Promise<boolean> {
      asked.push(jobId);
      pending++;
      maxPending = Math.max(maxPending, pending);
      return new Promise<boolean>((resolve) => {
        answers.set(jobId, (value) => {
          pending--;
          resolve(value);
        });
      });
    },
    answer(jobId: string, value: boolean) {
      const answer = answers.get(jobId);
      if (answer === undefined) throw new Error(`${jobId} was not asked`);
      answer(value);
    },
  };
}

const started = (reports: [string, string, unknown?][]) =>
  reports.filter(([event]) => event === "start").map(([, id]) => id);

describe("admit", () => {
  it("false: the job never starts, ends cancelled, and the next job runs", async () => {
    const h = harness({}, { admit: (jobId) => !jobId.endsWith("refused") });
    const refused = `x-refused`;
    h.pool.submit({ jobId: refused, callbackId: "pool.echo", args: [1] });
    const next = h.submit("pool.echo", [2]);
    expect(await h.outcome(refused)).toEqual({ kind: "cancelled" });
    expect(await h.outcome(next)).toEqual({ kind: "result", value: 2 });
    expect(started(h.reports)).toEqual([next]);
    expect(h.ends(refused)).toBe(1);
  });

  it("asks one job at a time in submit order, and starts stay FIFO when later answers come first", async () => {
    const g = gate();
    const h = harness({ concurrency: 3 }, { admit: (jobId) => g.admit(jobId) });
    h.pool.warm();
    const jobs = [0, 1, 2, 3, 4].map((i) => h.submit("pool.wait", [20 * i]));
    await until(() => g.asked.length === 1);
    expect(h.pool.stats.queued).toBe(5);
    // Nobody else is asked while the head's answer is pending.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(g.asked).toEqual([jobs[0]]);
    for (const jobId of jobs) {
      await until(() => g.asked.includes(jobId));
      g.answer(jobId, true);
    }
    await Promise.all(jobs.map((jobId) => h.outcome(jobId)));
    expect(g.asked).toEqual(jobs);
    expect(g.maxPending).toBe(1);
    expect(started(h.reports)).toEqual(jobs);
  });

  it("a throw or a rejection admits the job and reports nothing else", async () => {
    let calls = 0;
    const h = harness(
      {},
      {
        admit: () => {
          calls++;
          if (calls === 1) throw new Error("gate broken");
          return Promise.reject(new Error("gate broken"));
        },
      },
    );
    const first = h.submit("pool.echo", ["a"]);
    const second = h.submit("pool.echo", ["b"]);
    expect(await h.outcome(first)).toEqual({ kind: "result", value: "a" });
    expect(await h.outcome(second)).toEqual({ kind: "result", value: "b" });
    expect(h.reports.map(([event, id]) => `${event}:${id}`)).toEqual([
      `start:${first}`,
      `end:${first}`,
      `start:${second}`,
      `end:${second}`,
    ]);
  });

  it("a cancel while the admit is pending ends the job at once; a late yes does not start it", async () => {
    const g = gate();
    const h = harness({}, { admit: (jobId) => g.admit(jobId) });
    const job = h.submit("pool.echo", [1]);
    const next = h.submit("pool.echo", [2]);
    await until(() => g.asked.length === 1);
    expect(h.pool.cancel(job)).toBe(true);
    expect(await h.outcome(job)).toEqual({ kind: "cancelled" });
    expect(h.pool.cancel(job)).toBe(false);
    g.answer(job, true);
    await until(() => g.asked.length === 2);
    g.answer(next, true);
    expect(await h.outcome(next)).toEqual({ kind: "result", value: 2 });
    expect(started(h.reports)).toEqual([next]);
    expect(h.ends(job)).toBe(1);
  });

  it("close while an admit is pending: the job ends lost and no process is left", async () => {
    const g = gate();
    const h = harness({}, { admit: (jobId) => g.admit(jobId) });
    const job = h.submit("pool.echo", [1]);
    await until(() => g.asked.length === 1);
    await h.pool.close();
    expect(await h.outcome(job)).toMatchObject({ kind: "lost" });
    g.answer(job, true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started(h.reports)).toEqual([]);
    expect(h.ends(job)).toBe(1);
    expect(workerPids()).toEqual([]);
  });
});
