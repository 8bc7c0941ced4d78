/**
 * Browser ports of Dash's background-callback acceptance tests (tests/background_callback/,
 * lcbc001–lcbc019; /work/shared/dash-protocol.md §4) against fixture apps in their own processes:
 * test/fixtures/lcbc-app.ts (most tests), lcbc-cache-app.ts (lcbc006) and lcbc-error-app.ts
 * (lcbc008, debug mode). Each uses a DiskManager on a fresh SQLite file; its worker processes load
 * the fixture module. Where docs/protocol.md ("Where we go beyond Dash") improves on Dash, the
 * tests assert our behaviour and say so.
 *
 * Not ported: lcbc005 (skipped in Dash itself; lcbc006 covers the same caching), lcbc007
 * (components created later need `validation_layout`, which this library does not have), lcbc016
 * (`use_pages`), lcbc018 (`on_error` handlers do not exist here).
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  countUpdates,
  devToolsErrors,
  isLoading,
  type PageGlobals,
  pause,
  textOf,
  unexpectedProblems,
  useApp,
  useBrowser,
  values,
  waitFor,
  waitForText,
  watch,
} from "./harness.js";

const browser = useBrowser();

const disabled = (selector: string) => `document.querySelector(${JSON.stringify(selector)})?.disabled === true`;
const enabled = (selector: string) => `document.querySelector(${JSON.stringify(selector)})?.disabled === false`;
const text = (selector: string) => `document.querySelector(${JSON.stringify(selector)})?.textContent`;
const notLoading = `window.store?.getState().isLoading === false`;

/** The error texts the renderer holds for the dev tools (`state.error.backEnd`). */
function backEndErrors(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const { store } = globalThis as unknown as PageGlobals;
    if (!store) return ["(the renderer's store is missing)"];
    return store.getState().error.backEnd.map((e) => `${e.error.message}\n${e.error.html ?? ""}`);
  });
}

describe.sequential("lcbc-app", () => {
  const fixture = useApp("test/fixtures/lcbc-app.ts", browser);

  it("lcbc001: typing fast, the output settles on the final value", async () => {
    const { page, problems } = await fixture.open();
    // Runs on page load (no preventInitialCall).
    await waitForText(page, "#lc001-output", "initial value", 10_000);
    await watch(page, "output", text("#lc001-output"));
    await page.fill("#lc001-input", "");
    await page.locator("#lc001-input").pressSequentially("hello world");
    await waitForText(page, "#lc001-output", "hello world", 10_000);
    await waitFor(page, notLoading, 5_000);
    // A superseded run's result never lands afterwards.
    await pause(800);
    expect(await textOf(page, "#lc001-output")).toBe("hello world");
    const seen = await values<string>(page, "output");
    expect(seen.at(-1)).toBe("hello world");
    expect(seen.every((value) => value === "initial value" || "hello world".startsWith(value))).toBe(true);
    expect(problems).toEqual([]);
  });

  it("lcbc002: running state and double click", async () => {
    const { page, problems } = await fixture.open();
    await page.click("#lc002-button");
    await waitForText(page, "#lc002-status", "Running", 2_000);
    await waitForText(page, "#lc002-result", "Clicked 1 time(s)", 10_000);
    await waitForText(page, "#lc002-status", "Finished", 2_000);

    await watch(page, "result", text("#lc002-result"));
    await watch(page, "status", text("#lc002-status"));
    await page.dblclick("#lc002-button");
    await waitForText(page, "#lc002-result", "Clicked 3 time(s)", 10_000);
    await waitForText(page, "#lc002-status", "Finished", 2_000);
    // The second click's run replaced the first (oldJob): its result never showed.
    expect(await values(page, "result")).toEqual(["Clicked 1 time(s)", "Clicked 3 time(s)"]);
    expect(await values(page, "status")).toEqual(["Finished", "Running", "Finished"]);
    expect(await isLoading(page)).toBe(false);
    expect(problems).toEqual([]);
  });

  it("lcbc003: the State reaches the job; cancel leaves the old result; the next run works", async () => {
    const { page, problems } = await fixture.open();
    await page.click("#lc003-run");
    await waitForText(page, "#lc003-status", "Running", 2_000);
    await waitForText(page, "#lc003-result", "Processed 'initial value'", 10_000);
    await waitForText(page, "#lc003-status", "Finished", 2_000);

    await page.fill("#lc003-input", "new value");
    await watch(page, "result", text("#lc003-result"));
    const started = Date.now();
    await page.click("#lc003-run");
    await waitForText(page, "#lc003-status", "Running", 2_000);
    await pause(300);
    const cancelledAt = Date.now();
    await page.click("#lc003-cancel");
    await waitForText(page, "#lc003-status", "Finished", 3_000);
    // Dash switches running off up to one interval (500 ms) later; the long poll answers at once.
    console.log(`lcbc003: running off ${Date.now() - cancelledAt} ms after the cancel click`);
    expect(Date.now() - cancelledAt).toBeLessThan(1_500);
    // The job would have finished 1 s after the click.
    await pause(Math.max(0, started + 2_000 - Date.now()));
    expect(await values(page, "result")).toEqual(["Processed 'initial value'"]);

    await page.click("#lc003-run");
    await waitForText(page, "#lc003-result", "Processed 'new value'", 10_000);
    await waitForText(page, "#lc003-status", "Finished", 2_000);
    expect(problems).toEqual([]);
  });

  it("lcbc004: progress, cancel resets it to the default; the same run again re-runs", async () => {
    const { page, problems } = await fixture.open();
    expect(await textOf(page, "#lc004-status")).toBe("Finished");
    expect(await textOf(page, "#lc004-result")).toBe("No results");

    await watch(page, "result", text("#lc004-result"));
    const started = Date.now();
    await page.click("#lc004-run");
    await waitForText(page, "#lc004-status", "Progress 2/4", 8_000);
    await page.click("#lc004-cancel");
    await waitForText(page, "#lc004-status", "Finished", 2_000);
    // The job would have ended 1.2 s after the click.
    await pause(Math.max(0, started + 2_000 - Date.now()));
    expect(await textOf(page, "#lc004-status")).toBe("Finished");
    expect(await values(page, "result")).toEqual(["No results"]);

    await page.click("#lc004-run");
    await waitForText(page, "#lc004-status", "Progress 2/4", 8_000);
    await waitForText(page, "#lc004-status", "Finished", 5_000);
    await waitForText(page, "#lc004-result", "Processed 'hello, world'", 2_000);

    // Same inputs, no cacheBy: the job runs again, with its progress.
    await watch(page, "status", text("#lc004-status"));
    await page.click("#lc004-run");
    await waitForText(page, "#lc004-status", "Progress 2/4", 8_000);
    await waitForText(page, "#lc004-status", "Finished", 5_000);
    expect(await textOf(page, "#lc004-result")).toBe("Processed 'hello, world'");
    expect(await values(page, "status")).toEqual([
      "Finished",
      "Progress 0/4",
      "Progress 1/4",
      "Progress 2/4",
      "Progress 3/4",
      "Finished",
    ]);
    expect(problems).toEqual([]);
  });

  it("lcbc009: interval 0 works, ends at the default, and no progress shows up afterwards", async () => {
    const { page, problems } = await fixture.open();
    const updates = countUpdates(page);
    await watch(page, "status", text("#lc009-status"));
    await page.click("#lc009-run");
    await waitForText(page, "#lc009-status", "Progress 2/4", 8_000);
    await waitForText(page, "#lc009-status", "Finished", 5_000);
    await waitForText(page, "#lc009-result", "Clicked '1'", 2_000);
    await pause(1_000);
    expect(await textOf(page, "#lc009-status")).toBe("Finished");
    expect((await values<string>(page, "status")).at(-1)).toBe("Finished");
    expect((await values<string>(page, "status")).filter((v) => v === "Finished")).toHaveLength(2);
    // Beyond Dash: with interval 0 Dash's renderer polls back to back; long polls make that a
    // handful of requests (one per progress report, plus the end).
    const polls = updates.urls.filter((url) => url.includes("cacheKey=")).length;
    console.log(`lcbc009: ${polls} polls for a 1.6 s job with interval 0`);
    expect(polls).toBeLessThanOrEqual(12);
    expect(problems).toEqual([]);
  });

  it("lcbc010: the progress output is the Input of a normal callback, which runs per progress update", async () => {
    const { page, problems } = await fixture.open();
    await watch(page, "side", text("#lc009-side-status"));
    await page.click("#lc009-run");
    await waitForText(page, "#lc009-result", "Clicked '1'", 10_000);
    await waitForText(page, "#lc009-side-status", "Side Finished", 3_000);
    expect(await values(page, "side")).toEqual([
      "",
      "Side Progress 0/4",
      "Side Progress 1/4",
      "Side Progress 2/4",
      "Side Progress 3/4",
      "Side Finished",
    ]);
    expect(problems).toEqual([]);
  });

  it("lcbc011: pattern-matching ALL inputs", async () => {
    const { page, problems } = await fixture.open();
    const buttons = page.locator("#lc011 button");
    await buttons.nth(0).click();
    await waitForText(page, "#lc011-result", "Clicked '1'", 10_000);
    await buttons.nth(1).click();
    await waitFor(page, notLoading, 5_000);
    await buttons.nth(1).click();
    await waitForText(page, "#lc011-result", "Clicked '2'", 10_000);
    for (let i = 0; i < 3; i++) {
      await buttons.nth(2).click();
      await waitFor(page, notLoading, 5_000);
    }
    await waitForText(page, "#lc011-result", "Clicked '3'", 10_000);
    expect(problems).toEqual([]);
  });

  it("lcbc012: ctx.triggeredId inside the job is the dict id; running goes off", async () => {
    const { page, problems } = await fixture.open();
    const buttons = page.locator("#lc012 button");
    await buttons.nth(1).click();
    await waitForText(page, "#lc012-running", "on", 2_000);
    await waitForText(page, "#lc012-result", /triggered/, 10_000);
    await waitForText(page, "#lc012-running", "off", 2_000);
    expect(JSON.parse((await textOf(page, "#lc012-result")) ?? "")).toEqual({
      triggered: { type: "lc012-run-button", index: 1 },
      value: 1,
    });

    await buttons.nth(0).click();
    await waitForText(page, "#lc012-result", /"index":0/, 10_000);
    await waitForText(page, "#lc012-running", "off", 2_000);
    expect(JSON.parse((await textOf(page, "#lc012-result")) ?? "")).toEqual({
      triggered: { type: "lc012-run-button", index: 0 },
      value: 1,
    });
    expect(problems).toEqual([]);
  });

  it("lcbc013: State before Input: the job gets its arguments in the documented order", async () => {
    const { page, problems } = await fixture.open();
    await page.click("#lc013-click");
    await waitForText(page, "#lc013-output", "stored", 10_000);
    expect(problems).toEqual([]);
  });

  // Fails as of this writing: the last progress report ("stop", made just before the job returns)
  // never reaches the browser, because a take that returns the outcome drops unread progress
  // (managers/disk/records.ts `updateSince`; src/server/background.ts answers the outcome without
  // progress). Dash sends it with the result, and its renderer applies it before progressDefault.
  it("lcbc014: progress is applied exactly as often as reported, never re-applied", async () => {
    const { page, problems } = await fixture.open();
    await watch(page, "progress", text("#lc014-progress-output"));
    await page.click("#lc014-start");
    await waitForText(page, "#lc014-output", "done", 10_000);
    await waitFor(page, notLoading, 5_000);
    await pause(600); // several poll intervals (200 ms): nothing may come back
    expect(await values(page, "progress")).toEqual(["", "start", "stop"]);
    expect(await textOf(page, "#lc014-progress-counter")).toBe("2");
    expect(problems).toEqual([]);
  });

  it("lcbc015: two callbacks made by one factory update their own outputs", async () => {
    const { page, problems } = await fixture.open();
    await waitFor(page, notLoading, 5_000);
    const updates = countUpdates(page);
    await page.click("#lc015-button-1");
    await waitForText(page, "#lc015-output-1", "Clicked on 1", 10_000);
    expect(await textOf(page, "#lc015-output-2")).toBe("");
    await page.click("#lc015-button-2");
    await waitForText(page, "#lc015-output-2", "Clicked on 2", 10_000);
    expect(await textOf(page, "#lc015-output-1")).toBe("Clicked on 1");
    // Beyond Dash: these jobs take milliseconds, so their results come in the first response, with no poll.
    expect(updates.urls.filter((url) => url.includes("cacheKey="))).toEqual([]);
    // Both at once.
    const { page: second, problems: secondProblems } = await fixture.open();
    await second.click("#lc015-button-2");
    await second.click("#lc015-button-1");
    await waitForText(second, "#lc015-output-1", "Clicked on 1", 10_000);
    await waitForText(second, "#lc015-output-2", "Clicked on 2", 10_000);
    expect(problems).toEqual([]);
    expect(secondProblems).toEqual([]);
  });

  it("lcbc017: setProps from the job arrives while the job runs; a no-output callback uses only setProps", async () => {
    const { page, problems } = await fixture.open();
    const state = (id: string) => `[${text(id)}, document.querySelector(${JSON.stringify(id)}).style.background]`;
    await watch(page, "state", `[${state("#lc017-secondary")}, ${state("#lc017-third")}, ${text("#lc017-output")}]`);
    await page.click("#lc017-start");
    await waitFor(
      page,
      `${text("#lc017-secondary")} === "first" && document.querySelector("#lc017-secondary").style.background === "red"`,
      5_000,
    );
    expect(await textOf(page, "#lc017-output")).toBe("initial");
    await waitForText(page, "#lc017-output", "completed", 10_000);
    expect(await textOf(page, "#lc017-secondary")).toBe("second");
    // Beyond Dash (plotly/dash#3104): every component's setProps arrives, not only the last one touched.
    expect(await textOf(page, "#lc017-third")).toBe("second");
    const seen = await values<[[string, string], [string, string], string]>(page, "state");
    expect(seen).toContainEqual([["first", "red"], ["first", "red"], "initial"]);
    expect(seen.at(-1)).toEqual([["second", "red"], ["second", "red"], "completed"]);

    await watch(page, "no-output", text("#lc017-no-output"));
    await page.click("#lc017-start-no-output");
    await waitForText(page, "#lc017-no-output", "completed", 10_000);
    expect(await values(page, "no-output")).toEqual(["", "started", "completed"]);
    await waitFor(page, notLoading, 5_000);
    expect(problems).toEqual([]);
  });

  it("lcbc019: a cookie set in the browser reaches ctx.cookies in the job", async () => {
    const { page, problems } = await fixture.open();
    await page.context().addCookies([{ name: "bg-cookie", value: "cookie-value", url: fixture.app.url }]);
    await page.click("#lc019-use-cookies");
    await waitForText(page, "#lc019-output", "cookie-value", 10_000);
    expect(problems).toEqual([]);
  });

  it("a regular callback answers while a background job spins a CPU-bound loop; cancel kills it", async () => {
    const { page, problems } = await fixture.open();
    await page.click("#spin-run");
    await waitForText(page, "#spin-started", /^spinning 1 in \d+$/, 10_000);
    const pid = Number(/in (\d+)$/.exec((await textOf(page, "#spin-started")) ?? "")?.[1]);
    await pause(300); // the job is in its loop now
    expect(await textOf(page, "#spin-status")).toBe("spinning");

    for (const n of [1, 2]) {
      const clicked = performance.now();
      await page.click("#spin-ping");
      await waitForText(page, "#spin-pong", `pong ${n}`, 5_000);
      const latency = Math.round(performance.now() - clicked);
      console.log(`a normal callback answered in ${latency} ms while a job spins`);
      expect(latency).toBeLessThan(2_000);
    }

    await page.click("#spin-cancel");
    await waitForText(page, "#spin-status", "idle", 3_000);
    expect(await textOf(page, "#spin-result")).toBe("No results");
    // The job never looks at its signal: its process is killed after the grace period (1 s).
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 5_000;
    while (alive() && Date.now() < deadline) await pause(100);
    expect(alive()).toBe(false);
    expect(problems).toEqual([]);
  });

  it("a poll that waits seconds for a quiet job leaves no warning in the app's output", async () => {
    const { page, problems } = await fixture.open();
    await page.click("#quiet-run");
    await waitForText(page, "#quiet-result", "quiet done", 10_000);
    // Everything the app process and its workers printed during this describe block, but the startup line.
    const printed = fixture.app
      .output()
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("Dash is running on"));
    expect(printed).toEqual([]);
    expect(problems).toEqual([]);
  });
});

describe.sequential("lcbc-cache-app", () => {
  const fixture = useApp("test/fixtures/lcbc-cache-app.ts", browser);

  it("lcbc006: cacheBy with cacheArgsToIgnore: hits and misses per callback", async () => {
    const { page, problems } = await fixture.open();
    const updates = countUpdates(page);
    /** Clicks `run` and waits for `result`: a miss must show its progress; a hit must not, and comes without any poll. */
    const run = async (index: 1 | 2, expected: string, hit: boolean) => {
      const name = `status${index}-${Date.now()}`;
      await watch(page, name, text(`#status${index}`));
      updates.reset();
      const clicked = performance.now();
      await page.click(`#run-button${index}`);
      if (!hit) await waitForText(page, `#status${index}`, "Progress 2/4", 8_000);
      await waitForText(page, `#result${index}`, expected, 8_000);
      await waitForText(page, `#status${index}`, "Finished", 3_000);
      await waitFor(page, notLoading, 5_000);
      const took = Math.round(performance.now() - clicked);
      const polls = updates.urls.filter((url) => url.includes("cacheKey=")).length;
      const statuses = await values<string>(page, name);
      if (hit) {
        console.log(`lcbc006: cache hit of callback ${index} in ${took} ms`);
        expect(statuses, "a cache hit shows no progress").toEqual(["Finished"]);
        // Beyond Dash: a memoised result comes in the first response (Dash answers it a poll later).
        expect(polls, "a cache hit needs no poll").toBe(0);
      } else {
        expect(statuses).toContain("Progress 2/4");
        expect(polls).toBeGreaterThan(0);
      }
    };

    // The first callback runs on page load; the second (preventInitialCall) does not.
    await waitForText(page, "#status1", "Progress 2/4", 10_000);
    await waitForText(page, "#status1", "Finished", 5_000);
    await waitForText(page, "#result1", "Result for 'AAA'", 3_000);
    expect(await textOf(page, "#status2")).toBe("Finished");
    expect(await textOf(page, "#result2")).toBe("No results");

    await run(2, "Result for 'aaa'", false);

    await page.fill("#input1", "BBB");
    await run(1, "Result for 'BBB'", false);
    expect(await textOf(page, "#result2")).toBe("Result for 'aaa'");
    expect(await textOf(page, "#status2")).toBe("Finished");

    await page.fill("#input1", "AAA");
    await run(1, "Result for 'AAA'", true);
    await page.fill("#input1", "BBB");
    await run(1, "Result for 'BBB'", true);

    await page.fill("#input2", "BBB");
    await run(2, "Result for 'BBB'", false);
    await page.fill("#input2", "aaa");
    await run(2, "Result for 'aaa'", true);

    // A new cacheBy value: both miss.
    await page.fill("#input1", "AAA");
    await page.click("#bump-cache");
    await waitForText(page, "#cache-version", "1", 5_000);
    await run(1, "Result for 'AAA'", false);
    await run(2, "Result for 'aaa'", false);
    expect(problems).toEqual([]);
  });
});

describe.sequential("lcbc-error-app (debug)", () => {
  const fixture = useApp("test/fixtures/lcbc-error-app.ts", browser);
  /** Dash's click_n_wait: click, then wait for the running state to go on and off again. */
  const clickAndWait = async (page: Page, selector: string) => {
    await page.click(selector);
    await waitFor(page, disabled(selector), 3_000);
    await waitFor(page, enabled(selector), 10_000);
  };
  /** What a failed background callback costs in the page's log: the 500 response and the renderer's report of it. */
  const errorProblems = (output: string) => [
    /^HTTP 500: .*\/_dash-update-component\?/,
    /^console: Failed to load resource: the server responded with a status of 500/,
    new RegExp(`^console: \\{message: Callback error updating ${output}`),
  ];

  // This test and the crash test below fail as of this writing: with `debug: true` the index page
  // still loads the production renderer (src/app/dash.ts calls `scriptUrls(prefix)` without
  // `{ dev: debug }`), whose dev-tools UI is an empty stub, so no error is ever shown.
  it("lcbc008: an error in the job shows the BackgroundCallbackError in the dev tools", async () => {
    const { page, problems } = await fixture.open();
    await page.click("#button");
    await waitForText(page, "#output", "Clicked 1 times", 10_000);
    await clickAndWait(page, "#button");
    expect(
      await page.locator("#_dash-global-error-container").count(),
      "with debug: true the dev-tools UI is on the page",
    ).toBe(1);
    const shown = await devToolsErrors(page);
    expect(shown).toContain("BackgroundCallbackError: An error occurred inside a background callback: bad error");
    expect(unexpectedProblems(problems, errorProblems("output.children"))).toEqual([]);
  });

  it("lcbc008: the button is enabled again after every run; an error reaches the renderer; PreventUpdate keeps the old text", async () => {
    const { page, problems } = await fixture.open();
    await page.click("#button");
    await waitForText(page, "#output", "Clicked 1 times", 10_000);

    await clickAndWait(page, "#button");
    const errors = await backEndErrors(page);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("Callback error updating output.children");
    expect(errors[0]).toContain("BackgroundCallbackError: An error occurred inside a background callback: bad error");
    expect(await textOf(page, "#output")).toBe("Clicked 1 times");

    await clickAndWait(page, "#button");
    await waitForText(page, "#output", "Clicked 3 times", 5_000);

    await watch(page, "output", text("#output"));
    await clickAndWait(page, "#button"); // n_clicks 4: PreventUpdate
    await waitFor(page, notLoading, 5_000);
    expect(await values(page, "output")).toEqual(["Clicked 3 times"]);

    await clickAndWait(page, "#button");
    await waitForText(page, "#output", "Clicked 5 times", 5_000);
    expect(await backEndErrors(page)).toHaveLength(1);
    expect(unexpectedProblems(problems, errorProblems("output.children"))).toEqual([]);
  });

  it("lcbc008: a multi-output job updates only the outputs that are not noUpdate", async () => {
    const { page, problems } = await fixture.open();
    for (const n of [1, 2, 3]) {
      await clickAndWait(page, "#multi-output");
      await waitForText(page, "#output-status", `Updated: ${n}`, 5_000);
      const outputs = await Promise.all([1, 2, 3].map((i) => textOf(page, `#output${i}`)));
      expect(outputs).toEqual([1, 2, 3].map((i) => (i <= n ? String(i) : "")));
    }
    expect(problems).toEqual([]);
  });

  it("a job whose worker process exits turns running off and shows an error in the dev tools, never a silent end", async () => {
    const { page, problems } = await fixture.open();
    await clickAndWait(page, "#crash");
    expect(await textOf(page, "#crash-output")).toBe("not crashed");
    const errors = await backEndErrors(page);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("Callback error updating crash-output.children");
    expect(errors[0]).toMatch(/BackgroundCallbackError: The background job was lost: .*exited with code 3/);
    expect(unexpectedProblems(problems, errorProblems("crash-output.children"))).toEqual([]);
    // The dev tools show it (debug: true).
    expect(
      await page.locator("#_dash-global-error-container").count(),
      "with debug: true the dev-tools UI is on the page",
    ).toBe(1);
    expect(await devToolsErrors(page)).toMatch(/The background job was lost: .*exited with code 3/);
  });
});
