/**
 * The seed examples (and the gallery's queue-position example) in a real browser (Debian's Chromium through playwright-core), each started
 * as its own process the way `npx tsx examples/<name>.ts` runs it, with a fresh SQLite file
 * (DiskManager) in CACHE_PATH. Every test opens a fresh page and ends asserting that the page saw
 * no console error, page error, failed request or HTTP error.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  history,
  isLoading,
  pause,
  textOf,
  useApp,
  useBrowser,
  values,
  waitFor,
  waitForText,
  watch,
} from "./harness.js";

const browser = useBrowser();

/** `examples/<name>.ts` in its own process for the tests of one describe block. */
const useExample = (name: string) => useApp(`examples/${name}.ts`, browser);

const disabled = (selector: string) => `document.querySelector(${JSON.stringify(selector)})?.disabled === true`;
const enabled = (selector: string) => `document.querySelector(${JSON.stringify(selector)})?.disabled === false`;

describe.sequential("simple", () => {
  const example = useExample("simple");

  it("shows the initial text; each click's job result replaces it", async () => {
    const { page, problems } = await example.open();
    expect(await textOf(page, "#paragraph_id")).toBe("Button not clicked");
    await page.click("#button_id");
    await waitForText(page, "#paragraph_id", "Clicked 1 times", 10_000);
    await page.click("#button_id");
    await waitForText(page, "#paragraph_id", "Clicked 2 times", 10_000);
    expect(await isLoading(page)).toBe(false);
    expect(problems).toEqual([]);
  });
});

describe.sequential("disable-button", () => {
  const example = useExample("disable-button");

  it("the button is disabled while the job runs, then enabled with the result", async () => {
    const { page, problems } = await example.open();
    await watch(
      page,
      "state",
      `[document.querySelector("#paragraph_id").textContent, document.querySelector("#button_id").disabled]`,
    );
    await page.click("#button_id");
    await waitFor(page, disabled("#button_id"), 2_000);
    expect(await textOf(page, "#paragraph_id")).toBe("Button not clicked");
    await waitForText(page, "#paragraph_id", "Clicked 1 times", 10_000);
    await waitFor(page, enabled("#button_id"), 2_000);
    // One disabled stretch, with the old text only; it ends with the result and the button enabled.
    // (The renderer applies the running "off" value just before the result, so an enabled frame with
    // the old text may come in between.)
    const seen = await values<[string, boolean]>(page, "state");
    expect(seen[0]).toEqual(["Button not clicked", false]);
    expect(seen.at(-1)).toEqual(["Clicked 1 times", false]);
    const flips = seen.map(([, d]) => d).filter((d, i, all) => i === 0 || d !== all[i - 1]);
    expect(flips).toEqual([false, true, false]);
    expect(seen.filter(([, d]) => d).every(([text]) => text === "Button not clicked")).toBe(true);
    expect(problems).toEqual([]);
  });
});

describe.sequential("cancel", () => {
  const example = useExample("cancel");

  it("cancel turns running off at once and no result arrives; the next run works", async () => {
    const { page, problems } = await example.open();
    await watch(page, "paragraph", `document.querySelector("#paragraph_id").textContent`);
    expect(await page.isDisabled("#cancel_button_id")).toBe(true);
    const started = Date.now();
    await page.click("#button_id");
    await waitFor(page, `${disabled("#button_id")} && ${enabled("#cancel_button_id")}`, 2_000);
    await pause(300); // the job is under way
    const cancelledAt = Date.now();
    await page.click("#cancel_button_id");
    await waitFor(page, `${enabled("#button_id")} && ${disabled("#cancel_button_id")}`, 3_000);
    const runningOffMs = Date.now() - cancelledAt;
    // Dash needs up to one poll interval (1 s here); a long poll answers the cancel at once.
    expect(runningOffMs).toBeLessThan(1_500);
    // The job would have finished 2 s after the click: wait well past that.
    await pause(Math.max(0, started + 3_500 - Date.now()));
    expect(await values(page, "paragraph")).toEqual(["Button not clicked"]);

    await page.click("#button_id");
    await waitForText(page, "#paragraph_id", "Clicked 2 times", 10_000);
    await waitFor(page, `${enabled("#button_id")} && ${disabled("#cancel_button_id")}`, 2_000);
    expect(problems).toEqual([]);
  });

  it("a cancel clicked the moment it is enabled, before the page has the job's handles, still cancels", async () => {
    const { page, problems } = await example.open();
    await watch(page, "paragraph", `document.querySelector("#paragraph_id").textContent`);
    const started = Date.now();
    await page.click("#button_id");
    await waitFor(page, enabled("#cancel_button_id"), 2_000);
    await page.click("#cancel_button_id");
    await waitFor(page, `${enabled("#button_id")} && ${disabled("#cancel_button_id")}`, 3_000);
    // The job would have finished 2 s after the click: wait well past that.
    await pause(Math.max(0, started + 3_500 - Date.now()));
    expect(await values(page, "paragraph")).toEqual(["Button not clicked"]);
    expect(problems).toEqual([]);
  });
});

describe.sequential("progress-bar", () => {
  const example = useExample("progress-bar");
  const progress = `(() => { const p = document.querySelector("#progress_bar"); return [p.getAttribute("value"), p.getAttribute("max"), p.style.visibility]; })()`;

  it("the bar's value moves up to 5 of 5 while the job runs, then the result and the default 0", async () => {
    const { page, problems } = await example.open();
    // What each answer carried: as in Dash, a poll gets only the latest progress, so a poll that
    // comes after the job's last second gets 5 of 5 together with the result.
    const answers: Promise<{ value?: string; result: boolean }>[] = [];
    page.on("response", (response) => {
      if (!response.url().includes("_dash-update-component") || response.status() !== 200) return;
      answers.push(
        response.json().then((body: { progress?: Record<string, string>; response?: unknown }) => ({
          ...(body.progress ? { value: body.progress["progress_bar.value"] } : {}),
          result: body.response !== undefined,
        })),
      );
    });
    await watch(page, "bar", progress);
    await watch(page, "paragraph", `document.querySelector("#paragraph_id").textContent`);
    await page.click("#button_id");
    await waitForText(page, "#paragraph_id", "Clicked 1 times", 15_000);
    await waitFor(page, `document.querySelector("#progress_bar").getAttribute("value") === "0"`, 2_000);

    const bar = await history<[string | null, string | null, string]>(page, "bar");
    const resultAt =
      (await history<string>(page, "paragraph")).find((s) => s.value === "Clicked 1 times")?.t ??
      Number.POSITIVE_INFINITY;
    const during = bar.filter((s) => s.t < resultAt && s.value[2] === "visible").map((s) => Number(s.value[0]));
    const distinct = during.filter((v, i) => i === 0 || v !== during[i - 1]);
    // Increasing, through at least four steps, up to 5 — with max "5" while visible.
    expect(distinct).toEqual([...distinct].sort((a, b) => a - b));
    expect(new Set(distinct).size).toBeGreaterThanOrEqual(4);
    const carried = (await Promise.all(answers)).filter((answer) => answer.value !== undefined);
    expect(carried.at(-1)?.value).toBe("5");
    // Shown while the job runs, unless it came with the result: the page applies both at once.
    if (carried.at(-1)?.result === false) expect(distinct.at(-1)).toBe(5);
    // `max` comes with the first progress report and stays "5".
    const maxes = bar.filter((s) => s.value[2] === "visible").map((s) => s.value[1]);
    expect(maxes.slice(maxes.indexOf("5"))).toEqual(maxes.slice(maxes.indexOf("5")).map(() => "5"));
    expect(maxes).toContain("5");
    // Afterwards: the default, hidden.
    expect(bar.at(-1)?.value).toEqual(["0", "5", "hidden"]);
    expect(problems).toEqual([]);
  });

  it("a run cancelled midway resets the bar to its default and leaves the result alone", async () => {
    const { page, problems } = await example.open();
    await watch(page, "paragraph", `document.querySelector("#paragraph_id").textContent`);
    const started = Date.now();
    await page.click("#button_id");
    await waitFor(page, `Number(document.querySelector("#progress_bar").getAttribute("value")) >= 2`, 6_000);
    await page.click("#cancel_button_id");
    await waitFor(
      page,
      `document.querySelector("#progress_bar").getAttribute("value") === "0" && ${enabled("#button_id")}`,
      2_000,
    );
    // The job would have ended 6 s after the click.
    await pause(Math.max(0, started + 6_800 - Date.now()));
    expect(await page.evaluate(progress)).toEqual(["0", "5", "hidden"]);
    expect(await values(page, "paragraph")).toEqual(["Button not clicked"]);
    expect(problems).toEqual([]);
  });
});

describe.sequential("progress-graph", () => {
  const example = useExample("progress-graph");
  const barLength = `(document.querySelector("#progress_bar_graph .js-plotly-plot")?.data?.[0]?.x?.[0] ?? null)`;
  const svgWidth = `(() => { const bar = document.querySelector("#progress_bar_graph .js-plotly-plot .point path"); return bar ? Math.round(bar.getBBox().width) : null; })()`;

  it("the plotly bar advances while the job runs, then the result and the empty bar again", async () => {
    const { page, problems } = await example.open();
    // plotly.js loads lazily: wait for the first figure.
    await waitFor(page, `${barLength} === 0`, 15_000);
    await watch(page, "bar", barLength);
    await watch(page, "width", svgWidth);
    await watch(page, "paragraph", `document.querySelector("#paragraph_id").textContent`);
    await page.click("#button_id");
    await waitForText(page, "#paragraph_id", "Clicked 1 times", 15_000);
    await waitFor(page, `${barLength} === 0`, 2_000);

    const resultAt =
      (await history<string>(page, "paragraph")).find((s) => s.value === "Clicked 1 times")?.t ??
      Number.POSITIVE_INFINITY;
    const bar = (await history<number>(page, "bar")).filter((s) => s.t <= resultAt).map((s) => s.value);
    // 0, then growing values, then the default 0 again (the renderer applies it just before the result).
    const back = bar.findIndex((v, i) => v === 0 && i > 0 && (bar[i - 1] ?? 0) > 0);
    const during = back === -1 ? bar : bar.slice(0, back);
    expect(bar[0]).toBe(0);
    expect(during).toEqual([...during].sort((a, b) => a - b));
    expect(new Set(during).size).toBeGreaterThanOrEqual(4);
    // The drawn bar grows too.
    const widths = (await history<number | null>(page, "width"))
      .map((s) => s.value)
      .filter((w): w is number => typeof w === "number" && w > 0);
    expect(widths.length).toBeGreaterThanOrEqual(3);
    expect(widths.slice(0, -1)).toEqual([...widths.slice(0, -1)].sort((a, b) => a - b));
    expect(await page.evaluate(barLength)).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe.sequential("set-props", () => {
  const example = useExample("set-props");
  const gapminder = JSON.parse(
    readFileSync(new URL("../../vendor/data/vega-datasets/data/gapminder.json", import.meta.url), "utf8"),
  ) as Record<string, unknown>[];
  const rows = `(window.dash_component_api.getLayout("ag-grid-updating")?.props?.data?.length ?? 0)`;
  const state = `[${rows}, document.querySelector("#button_id").disabled, document.querySelector("#cancel_button_id").disabled]`;
  const cells = (column: string) =>
    `[...document.querySelectorAll('#ag-grid-updating td.dash-cell[data-dash-column="${column}"]')].map((td) => td.textContent)`;
  const running = `${disabled("#button_id")} && ${enabled("#cancel_button_id")}`;
  const idle = `${enabled("#button_id")} && ${disabled("#cancel_button_id")}`;

  it("starts with the page (no output, no preventInitialCall); 100 rows per step; cancel stops the rows", async () => {
    const { page, problems } = await example.open();
    await watch(page, "state", state);
    await waitFor(page, running, 5_000);
    // A cold worker process may take a few seconds before the first step.
    await waitFor(page, `${rows} === 200`, 20_000);
    // The table pages natively: the first page shows the data's first ten rows, the pager 20 pages.
    expect(await page.evaluate(cells("year"))).toEqual(gapminder.slice(0, 10).map((row) => String(row.year)));
    expect(await page.evaluate(cells("country"))).toEqual(gapminder.slice(0, 10).map((row) => String(row.country)));
    expect(await textOf(page, "#ag-grid-updating .last-page")).toBe("20");
    const seen = await values<[number, boolean, boolean]>(page, "state");
    expect(seen.map(([n]) => n).filter((n, i, all) => i === 0 || n !== all[i - 1])).toEqual([0, 100, 200]);
    // Every row came while the job ran: the run button disabled, the cancel button enabled.
    expect(seen.filter(([n]) => n > 0).every(([, runDisabled, cancelDisabled]) => runDisabled && !cancelDisabled)).toBe(
      true,
    );

    const cancelledAt = Date.now();
    await page.click("#cancel_button_id");
    await waitFor(page, idle, 3_000);
    // The next step would have come 2 s after the last one.
    await pause(Math.max(0, cancelledAt + 2_800 - Date.now()));
    expect(await page.evaluate(rows)).toBe(200);
    expect((await values<[number]>(page, "state")).some(([n]) => n > 200)).toBe(false);

    // The button starts the job again: from the first 100 rows.
    await page.click("#button_id");
    await waitFor(page, running, 3_000);
    await waitFor(page, `${rows} === 100`, 10_000);
    await page.click("#cancel_button_id");
    await waitFor(page, idle, 3_000);
    expect(problems).toEqual([]);
  }, 60_000);

  it("a whole run brings every row of the data set, then turns running off", async () => {
    const { page, problems } = await example.open();
    await watch(page, "state", state);
    await waitFor(page, `${rows} === ${gapminder.length} && ${idle}`, 40_000);
    expect(await textOf(page, "#ag-grid-updating .last-page")).toBe(String(Math.ceil(gapminder.length / 10)));
    const counts = (await values<[number, boolean, boolean]>(page, "state"))
      .map(([n]) => n)
      .filter((n, i, all) => i === 0 || n !== all[i - 1]);
    // Growing in steps of 100 rows (two steps may arrive in one poll), up to all of them.
    const steps = [
      0,
      ...Array.from({ length: Math.ceil(gapminder.length / 100) }, (_, i) => Math.min((i + 1) * 100, gapminder.length)),
    ];
    expect(counts.every((n) => steps.includes(n))).toBe(true);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.length).toBeGreaterThanOrEqual(steps.length - 2);
    expect(counts.at(-1)).toBe(gapminder.length);
    expect(problems).toEqual([]);
    // Seven steps two seconds apart, after a worker process starts.
  }, 60_000);
});

describe.sequential("queue-position", () => {
  const example = useExample("queue-position");

  it("two pages: the second waits behind the first with its place in line, then gets its own report", async () => {
    const first = await example.open();
    const second = await example.open();
    for (const { page } of [first, second])
      await watch(page, "status", `document.querySelector("#queue_status").textContent`);
    await first.page.click("#order_button");
    await waitFor(
      first.page,
      `document.querySelector("#queue_status").textContent === "Working on your report..."`,
      10_000,
    );
    await second.page.click("#order_button");
    await waitForText(second.page, "#queue_status", "You are next", 5_000);
    await waitForText(first.page, "#report", /^Report #1 is ready/, 15_000);
    await waitForText(second.page, "#report", /^Report #1 is ready/, 15_000);
    expect(await values(second.page, "status")).toEqual(
      expect.arrayContaining(["Sending the order...", "You are next", "Working on your report...", ""]),
    );
    const statuses = await values<string>(second.page, "status");
    expect(statuses.indexOf("You are next")).toBeLessThan(statuses.indexOf("Working on your report..."));
    expect(statuses.at(-1)).toBe("");
    const metrics = await (await fetch(new URL("_dash-metrics", example.app.url))).text();
    expect(metrics).toMatch(
      /background_callbacks_jobs_submitted_total\{callback="report.children",manager="DiskManager"\} 2/,
    );
    expect(first.problems).toEqual([]);
    expect(second.problems).toEqual([]);
  });
});
