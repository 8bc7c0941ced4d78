/**
 * `queued` in the real renderer: one job at a time (DiskManager), a job already running, and
 * three pages that each start one more. Each page shows how many jobs are ahead of it, the numbers
 * go down as the jobs ahead end, each page shows that its job runs, and each gets its result.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { release, startBlocker } from "../fixtures/queued-scenarios.js";
import { useApp, useBrowser, values, waitForText, watch } from "./harness.js";

const browser = useBrowser();
const dir = mkdtempSync(join(tmpdir(), "bgcb-queued-browser-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const status = `document.querySelector("#q-status")?.textContent`;

describe("queued, three pages behind a running job", () => {
  const example = useApp("test/fixtures/queued-browser-app.ts", browser);

  it("each page shows its position, sees it go down as jobs ahead end, then its job running, then its result", async () => {
    const blocker = await startBlocker(example.app.url, dir);
    const names = ["first", "second", "third"];
    const pages: Page[] = [];
    const problems: string[][] = [];
    for (const [i, name] of names.entries()) {
      const opened = await example.open();
      pages.push(opened.page);
      problems.push(opened.problems);
      await watch(opened.page, "status", status);
      await opened.page.fill("#q-path", join(dir, name));
      await opened.page.click("#q-run");
      await waitForText(opened.page, "#q-status", `${i} ${i === 1 ? "job" : "jobs"} ahead of you`, 15_000);
    }
    const [first, second, third] = pages as [Page, Page, Page];
    await waitForText(third, "#q-status", "2 jobs ahead of you");
    release(blocker.path);
    await waitForText(first, "#q-status", "Your job is running", 15_000);
    await waitForText(second, "#q-status", "0 jobs ahead of you", 15_000);
    await waitForText(third, "#q-status", "1 job ahead of you", 15_000);
    release(join(dir, "first"));
    await waitForText(first, "#q-out", "done first", 15_000);
    await waitForText(second, "#q-status", "Your job is running", 15_000);
    await waitForText(third, "#q-status", "0 jobs ahead of you", 15_000);
    release(join(dir, "second"));
    await waitForText(second, "#q-out", "done second", 15_000);
    await waitForText(third, "#q-status", "Your job is running", 15_000);
    release(join(dir, "third"));
    await waitForText(third, "#q-out", "done third", 15_000);
    // Every status each page showed, in order: no stale position after its job started.
    expect(await values(first, "status")).toEqual(["", "0 jobs ahead of you", "Your job is running"]);
    expect(await values(second, "status")).toEqual([
      "",
      "1 job ahead of you",
      "0 jobs ahead of you",
      "Your job is running",
    ]);
    expect(await values(third, "status")).toEqual([
      "",
      "2 jobs ahead of you",
      "1 job ahead of you",
      "0 jobs ahead of you",
      "Your job is running",
    ]);
    expect(problems).toEqual([[], [], []]);
  });
});
