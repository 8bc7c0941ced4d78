import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BackgroundCallbackManager, JobOutcome, Json } from "../../manager/contract.js";
import {
  asStamp,
  assertResult,
  clock,
  outcomeOf,
  resultOf,
  type Stamp,
  sleep,
  submit,
  waitFor,
  withManager,
} from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";
import { stall } from "./processes.js";
import { closeDuringSubmit, concurrentTakes, leftovers } from "./races-processes.js";

const CANCELLED = { kind: "cancelled" } as const;

/** Submits `count` stamp jobs in one go, none awaited before the next is called; returns their stamps. */
async function overlappingStamps(
  suite: Suite,
  manager: BackgroundCallbackManager,
  count: number,
  ms: number,
): Promise<Stamp[]> {
  const handles = await Promise.all(
    Array.from({ length: count }, (_, i) => manager.submit({ callbackId: JOB.stamp, args: [i, ms] })),
  );
  const stamps = await Promise.all(
    handles.map(async ({ jobId }) => asStamp(await resultOf(manager, jobId, suite.scale(20_000)))),
  );
  for (const [i, stamp] of stamps.entries()) assert.equal(stamp.label, i, "each job must get its own arguments");
  return stamps;
}

/** Labels in the order the jobs started. */
const startOrder = (stamps: readonly Stamp[]): string =>
  [...stamps]
    .sort((a, b) => a.start - b.start)
    .map((s) => String(s.label))
    .join(",");

function fifo(suite: Suite): void {
  suite.test("overlapping submits at concurrency 1 start in call order, after idling too", 60_000, async () => {
    await withManager(suite, { concurrency: 1 }, async (manager) => {
      for (let round = 0; round < 3; round++) {
        const stamps = await overlappingStamps(suite, manager, 10, suite.scale(10));
        const expected = stamps.map((_, i) => String(i)).join(",");
        assert.equal(startOrder(stamps), expected, `round ${round}: the jobs started out of call order`);
        // Some managers do extra work on the first submit after a quiet spell.
        await sleep(suite.scale(300));
      }
    });
  });

  suite.test("overlapping submits at concurrency 2 start in call order", 60_000, async () => {
    // Two jobs handed to two processes in the same instant may start a little apart.
    const tolerance = suite.scale(50);
    await withManager(suite, { concurrency: 2 }, async (manager) => {
      for (let round = 0; round < 2; round++) {
        const stamps = await overlappingStamps(suite, manager, 8, suite.scale(100));
        for (let i = 1; i < stamps.length; i++) {
          const earlier = Math.max(...stamps.slice(0, i).map((s) => s.start));
          const lead = earlier - (stamps[i] as Stamp).start;
          assert.ok(
            lead <= tolerance,
            `round ${round}: job ${i} started ${Math.round(lead)} ms before a job called earlier (order ${startOrder(stamps)})`,
          );
        }
        await sleep(suite.scale(300));
      }
    });
  });
}

/** Waits until the job reports `{ pid, ppid }` as progress. */
async function reportedProcess(
  manager: BackgroundCallbackManager,
  jobId: string,
  timeoutMs: number,
): Promise<{ pid: number; ppid: number }> {
  return waitFor(
    `job ${jobId} to report its process`,
    async () => {
      const { progress, outcome } = await manager.take(jobId);
      assert.equal(outcome, undefined, `the job ended before reporting its process: ${JSON.stringify(outcome)}`);
      const { pid, ppid } = (progress ?? {}) as { pid?: unknown; ppid?: unknown };
      return typeof pid === "number" && typeof ppid === "number" ? { pid, ppid } : undefined;
    },
    timeoutMs,
  );
}

/** The number in `file` once it exists. */
const numberIn = (file: string): number | undefined =>
  existsSync(file) ? Number(readFileSync(file, "utf8")) || undefined : undefined;

function killDeadline(suite: Suite): void {
  suite.test(
    "a job that returns exactly at its kill deadline never harms the job queued behind it",
    // Each round may cost a process start, which alone takes seconds on a loaded machine.
    90_000,
    async () => {
      const graceMs = suite.scale(300);
      const margin = suite.scale(150);
      const dir = mkdtempSync(join(tmpdir(), "bgcb-deadline-"));
      try {
        await withManager(suite, { concurrency: 1, cancelGraceMs: graceMs }, async (manager) => {
          for (let round = 0; round < 3; round++) {
            const file = join(dir, `abort-${round}`);
            const first = await submit(manager, JOB.deadline, [graceMs, file, suite.scale(20_000)]);
            const next = await submit(manager, JOB.echo, [`next ${round}`]);
            const { pid, ppid } = await reportedProcess(manager, first, suite.scale(10_000));
            await manager.cancel(first);
            const abortedAt = await waitFor("the job to see its abort", () => numberIn(file), suite.scale(10_000), 1);
            // The process supervising the job is busy across the deadline: the kill timer and the
            // job's return are both due when it resumes.
            const supervisor = pid === process.pid ? pid : ppid;
            await stall(supervisor, Math.max(0, abortedAt + graceMs + margin - clock()));
            assert.deepEqual(await outcomeOf(manager, first, suite.scale(5_000)), CANCELLED);
            assertResult(
              await outcomeOf(manager, next, suite.scale(15_000)),
              `next ${round}`,
              `round ${round}: the job queued behind the cancelled one`,
            );
          }
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

/** Samples take, then status, of each job every 50 ms until every outcome arrived. */
async function neverUnknown(suite: Suite, manager: BackgroundCallbackManager, jobs: Record<string, string>) {
  const outcomes = new Map<string, JobOutcome>();
  const started = Date.now();
  const deadline = started + suite.scale(30_000);
  while (outcomes.size < Object.keys(jobs).length) {
    assert.ok(Date.now() < deadline, "the jobs did not end within 30 s");
    for (const [name, jobId] of Object.entries(jobs)) {
      if (outcomes.has(name)) continue;
      const update = await manager.take(jobId);
      const state = await manager.status(jobId);
      const when = `${Date.now() - started} ms after submit`;
      assert.notEqual(state, "unknown", `the ${name} job was reported unknown ${when}`);
      if (update.outcome) outcomes.set(name, update.outcome);
    }
    await sleep(suite.scale(50));
  }
  return outcomes;
}

function liveRecords(suite: Suite): void {
  suite.test("a queued or running job is never unknown, however long it outlives ttlMs", 60_000, async () => {
    const ttlMs = suite.scale(1_000);
    await withManager(suite, { concurrency: 1, ttlMs }, async (manager) => {
      const running = await submit(manager, JOB.stamp, ["running", 3 * ttlMs + suite.scale(500)]);
      const queued = await submit(manager, JOB.stamp, ["queued", 0]);
      const outcomes = await neverUnknown(suite, manager, { running, queued });
      for (const name of ["running", "queued"]) {
        const outcome = outcomes.get(name);
        assert.equal(outcome?.kind, "result", `the ${name} job: expected a result, got ${JSON.stringify(outcome)}`);
        assert.equal(asStamp((outcome as { value: Json }).value).label, name);
      }
    });
  });
}

/**
 * Races the contract must survive: overlapping submits, a cancelled job returning at its kill
 * deadline while its supervisor is busy, jobs outliving `ttlMs`, `close()` during `submit()`,
 * concurrent takes, and a job's leftovers. Needs signals and a process table (Linux, macOS), and
 * jobs that run on this machine.
 */
export function racesGroup(suite: Suite): void {
  suite.describe("races", () => {
    fifo(suite);
    killDeadline(suite);
    liveRecords(suite);
    closeDuringSubmit(suite);
    concurrentTakes(suite);
    leftovers(suite);
  });
}
