import { describe, expect, it } from "vitest";
import type { BackgroundCallbackManager } from "../../src/index.js";
import { Starting } from "../../src/server/starting.js";

/** The one member `Starting` calls: cancels are recorded. */
function recorder(): { manager: BackgroundCallbackManager; cancelled: string[] } {
  const cancelled: string[] = [];
  const manager = { cancel: async (jobId: string) => void cancelled.push(jobId) } as BackgroundCallbackManager;
  return { manager, cancelled };
}

describe("Starting: the first responses a cancel can reach before the renderer knows the job", () => {
  it("cancels a submitted start at once, and one still submitting once its id is known", async () => {
    const { manager, cancelled } = recorder();
    const starting = new Starting();
    const submitted = starting.begin("page", "out.children", manager, 1);
    const submitting = starting.begin("page", "out.children", manager, 2);
    await starting.submitted(submitted, "job-1");
    await starting.cancel("page", ["out.children"], 3);
    expect(cancelled).toEqual(["job-1"]);
    await starting.submitted(submitting, "job-2");
    expect(cancelled).toEqual(["job-1", "job-2"]);
  });

  it("applies a cancel to a start that arrived before it but begins after it, not to a later start", async () => {
    const { manager, cancelled } = recorder();
    const starting = new Starting();
    await starting.cancel("page", ["out.children"], 10);
    await starting.submitted(starting.begin("page", "out.children", manager, 9), "earlier");
    await starting.submitted(starting.begin("page", "out.children", manager, 11), "later");
    expect(cancelled).toEqual(["earlier"]);
  });

  it("cancels a start answered but not polled yet: the page may not have read its response", async () => {
    const { manager, cancelled } = recorder();
    const starting = new Starting();
    const answered = starting.begin("page", "out.children", manager, 1);
    await starting.submitted(answered, "answered");
    starting.answered(answered);
    await starting.cancel("page", ["out.children"], 2);
    expect(cancelled).toEqual(["answered"]);
  });

  it("leaves other pages, other callbacks and polled starts alone", async () => {
    const { manager, cancelled } = recorder();
    const starting = new Starting();
    const polled = starting.begin("page", "out.children", manager, 1);
    await starting.submitted(polled, "polled");
    starting.answered(polled);
    starting.polled("page", "polled");
    await starting.submitted(starting.begin("other-page", "out.children", manager, 1), "other-page");
    await starting.submitted(starting.begin("page", "other.children", manager, 1), "other-callback");
    await starting.cancel("page", ["out.children"], 2);
    expect(cancelled).toEqual([]);
  });

  it("follows at most 10,000 pages: the oldest page's starts drop out first", async () => {
    const { manager, cancelled } = recorder();
    const starting = new Starting();
    const first = starting.begin("page-0", "out.children", manager, 0);
    await starting.submitted(first, "first");
    for (let i = 1; i <= 10_000; i++) starting.begin(`page-${i}`, "out.children", manager, 0);
    await starting.cancel("page-0", ["out.children"], 1);
    expect(cancelled).toEqual([]);
  });
});
