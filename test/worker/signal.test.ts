/** A job's abort signal, which a job process makes only when the job first reads it. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { harness, until } from "./helpers.js";

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("a job's signal", () => {
  it("read for the first time after the cancel: aborted, with the cancel's reason, the same object on every read", async () => {
    dir = mkdtempSync(join(tmpdir(), "pool-signal-"));
    const file = join(dir, "seen.json");
    const h = harness({ concurrency: 1, graceMs: 5_000 });
    const job = h.submit("pool.lateSignal", [300, file]);
    await h.started(job);
    expect(h.pool.cancel(job)).toBe(true);
    expect(await h.outcome(job)).toEqual({ kind: "cancelled" });
    await until(() => existsSync(file));
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ aborted: true, reason: "Job cancelled", same: true });
    expect(h.ends(job)).toBe(1);
  });

  it("read by a job that was not cancelled: not aborted; the process takes the next job", async () => {
    dir = mkdtempSync(join(tmpdir(), "pool-signal-"));
    const file = join(dir, "seen.json");
    const h = harness({ concurrency: 1 });
    const job = h.submit("pool.lateSignal", [0, file]);
    expect(await h.outcome(job)).toEqual({ kind: "result", value: "late" });
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ aborted: false, same: true });
    const pid = await h.started(job);
    expect(await h.outcome(h.submit("pool.pid"))).toEqual({ kind: "result", value: pid });
  });
});
