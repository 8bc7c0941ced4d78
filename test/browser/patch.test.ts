/**
 * Patch and grouped signatures in a real browser: the renderer applies our patches to the props it
 * holds (setProps, progress and the returned value), and the set-props example sends each step's
 * 100 rows only.
 */
import { describe, expect, it } from "vitest";
import { textOf, useApp, useBrowser, waitFor, waitForText } from "./harness.js";

const browser = useBrowser();

describe.sequential("Patch through the renderer", () => {
  const app = useApp("test/fixtures/patch-browser-app.ts", browser);

  it("setProps, progress and returned patches extend what the page holds; a second run extends again", async () => {
    const { page, problems } = await app.open();
    await page.click("#grow");
    await waitForText(page, "#done", "done", 40_000);
    await waitFor(page, `document.querySelector("#mark").textContent === "0!"`, 5_000);
    await waitFor(page, `document.querySelector("#points").textContent.split(",").length === 5`, 5_000);
    expect(JSON.parse((await textOf(page, "#points")) ?? "")).toEqual([11, 12, 13, 14, 15]);
    // Progress keeps the newest value between two polls (as in Dash): the patches that reach the
    // page are applied in order, and the last one always arrives.
    const log = (await page.evaluate(`[...document.querySelectorAll("#log")].map((ul) => ul.textContent)`)) as string[];
    const steps = (log[0] ?? "").match(/step \d/g) ?? [];
    expect(steps.at(-1)).toBe("step 5");
    expect([...steps].sort()).toEqual(steps);
    await page.click("#grow");
    await waitFor(page, `document.querySelector("#mark").textContent === "0!!"`, 40_000);
    // The mirror is a callback of its own, chained after the last side update.
    await waitFor(page, `document.querySelector("#points").textContent.split(",").length === 10`, 5_000);
    expect(JSON.parse((await textOf(page, "#points")) ?? "")).toEqual([11, 12, 13, 14, 15, 21, 22, 23, 24, 25]);
    expect(problems).toEqual([]);
  }, 120_000);

  it("a grouped callback gets one object and fills two outputs from the object it returns", async () => {
    const { page, problems } = await app.open();
    await page.click("#sum-a");
    await waitForText(page, "#sum", "a 1", 5_000);
    const grouping = JSON.parse((await textOf(page, "#which")) ?? "");
    expect(grouping.a).toEqual({ id: "sum-a", idStr: "sum-a", property: "n_clicks", value: 1, triggered: true });
    expect(grouping.label).toMatchObject({ property: "children", value: "a", triggered: false });
    expect(problems).toEqual([]);
  }, 120_000);
});

describe.sequential("set-props example", () => {
  const example = useApp("examples/set-props.ts", browser);

  it("each step sends 100 rows: a Patch extends the table instead of resending it", async () => {
    const { page, problems } = await example.open();
    const sent: number[] = [];
    page.on("response", async (response) => {
      if (!response.url().includes("_dash-update-component") || response.status() !== 200) return;
      const body = (await response.json().catch(() => ({}))) as { sideUpdate?: Record<string, { data?: unknown }> };
      const data = body.sideUpdate?.["ag-grid-updating"]?.data as
        | unknown[]
        | { operations: { params: { value: unknown[] } }[] }
        | undefined;
      if (data === undefined) return;
      sent.push(Array.isArray(data) ? data.length : data.operations.reduce((n, op) => n + op.params.value.length, 0));
    });
    const rows = `(window.dash_component_api.getLayout("ag-grid-updating")?.props?.data?.length ?? 0)`;
    await waitFor(page, `${rows} >= 300`, 60_000);
    await page.click("#cancel_button_id");
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent.every((n) => n === 100)).toBe(true);
    expect(problems).toEqual([]);
  }, 120_000);
});
