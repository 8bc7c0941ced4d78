/**
 * `queued` on managers whose watch honours `{ queue: true }` (`capabilities.queueWatch`): a waiting
 * long poll re-reads the job's position when the queue moves, not on a 200 ms timer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type BackgroundCallbackManager, Dash, type RunningApp } from "../../src/index.js";
import { diskManager } from "../fixtures/queued-app.js";
import {
  Page,
  pollUntilStatus,
  release,
  resultOf,
  startBlocker,
  statusIn,
  useQueuedWorker,
} from "../fixtures/queued-scenarios.js";

const dir = mkdtempSync(join(tmpdir(), "bgcb-queued-push-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `manager` with its `position()` calls counted per job. */
function counted(manager: BackgroundCallbackManager): {
  manager: BackgroundCallbackManager;
  calls: Map<string, number>;
} {
  const calls = new Map<string, number>();
  const position = (manager.position as NonNullable<BackgroundCallbackManager["position"]>).bind(manager);
  manager.position = (jobId: string) => {
    calls.set(jobId, (calls.get(jobId) ?? 0) + 1);
    return position(jobId);
  };
  return { manager, calls };
}

/** The job id behind a page's run: the one whose position was read since `before` (one job waits). */
function waitingJob(calls: Map<string, number>, before: ReadonlySet<string>): string {
  const fresh = [...calls.keys()].filter((jobId) => !before.has(jobId));
  expect(fresh).toHaveLength(1);
  return fresh[0] as string;
}

/**
 * A waiting long poll of a page whose job is next reads the position at most twice in a 1 s long
 * poll without a move, and is told the job runs once the job ahead ends.
 */
async function pushScenario(made: BackgroundCallbackManager, name: string): Promise<void> {
  const { manager, calls } = counted(made);
  expect(manager.capabilities.queueWatch).toBe(true);
  const app = new Dash({ backgroundCallbackManager: manager, firstResponseWaitMs: 0, longPollMs: 1_000 });
  const running = (await app.run({ port: 0, host: "127.0.0.1" })) as RunningApp;
  try {
    const blocker = await startBlocker(running.url, dir);
    const before = new Set(calls.keys());
    const page = await Page.open(running.url);
    const path = join(dir, name);
    const first = await page.start("q", path);
    expect(statusIn(first, "q-status")).toBe("0 jobs ahead of you");
    const jobId = waitingJob(calls, before);
    // A whole long poll (1 s) without a move: its first read and its last, not one per 200 ms.
    const readsBefore = calls.get(jobId) ?? 0;
    const idle = await page.pollOnce("q", path, first);
    expect(idle.body).toEqual({ multi: true });
    expect((calls.get(jobId) ?? 0) - readsBefore).toBeLessThanOrEqual(2);
    // The job ahead ends and this one starts: the waiting poll is told so.
    const polled = pollUntilStatus(page, "q", path, first, "q-status");
    release(blocker.path);
    expect(statusIn((await polled).at(-1) as never, "q-status")).toBe("Your job is running");
    release(path);
    expect(await resultOf(page, "q", path, first)).toEqual({ "q-out": { children: `done ${name}` } });
  } finally {
    await running.close();
  }
}

const TITLE =
  "a waiting long poll reads the position at most twice while nothing moves, and learns the start at the wake";

describe("queued on the DiskManager, whose watch wakes when the queue moves", () => {
  it(TITLE, async () => {
    await pushScenario(diskManager(join(dir, "push.sqlite")), "disk-waits");
  });

  it("a waiting long poll in another web process learns the new position when the job ahead starts", async () => {
    const file = join(dir, "elsewhere.sqlite");
    const serve = async () => {
      const app = new Dash({
        backgroundCallbackManager: diskManager(file),
        firstResponseWaitMs: 0,
        longPollMs: 5_000,
        secret: "queued-push-secret",
      });
      return (await app.run({ port: 0, host: "127.0.0.1" })) as RunningApp;
    };
    const [here, other] = [await serve(), await serve()] as [RunningApp, RunningApp];
    try {
      const blocker = await startBlocker(here.url, dir);
      const pages = [await Page.open(here.url), await Page.open(here.url)] as [Page, Page];
      const paths = [join(dir, "elsewhere-a"), join(dir, "elsewhere-c")] as [string, string];
      const firsts = [await pages[0].start("q", paths[0]), await pages[1].start("q", paths[1])];
      expect(statusIn(firsts[1] as never, "q-status")).toBe("1 job ahead of you");
      const viaOther = new Page(other.url);
      viaOther.endId = pages[1].endId;
      const told = await viaOther.pollOnce("q", paths[1], firsts[1] as never);
      expect(statusIn(told, "q-status")).toBe("1 job ahead of you");
      // The 5 s long poll answers when the job ahead starts, not at its end.
      const polled = viaOther.pollOnce("q", paths[1], firsts[1] as never);
      release(blocker.path);
      expect(statusIn(await polled, "q-status")).toBe("0 jobs ahead of you");
      for (const path of paths) release(path);
    } finally {
      await other.close();
      await here.close();
    }
  });
});

describe("queued on the QueueManager (Redis, a CLI worker), whose watch wakes when the queue moves", () => {
  const worker = useQueuedWorker("queued-push");
  it(TITLE, async () => {
    await pushScenario(worker.manager(), "queue-waits");
  });
});
