/**
 * dash-table's DataTable in a real browser: the bundle and its async chunks are served, and the
 * table pages and sorts natively (page_action and sort_action "native"); the renderer reports
 * `page_current` and `sort_by` to a normal callback.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { textOf, useApp, useBrowser, waitFor, waitForText } from "./harness.js";

const browser = useBrowser();
const table = useApp("test/browser/apps/data-table.ts", browser);

const column = (id: string) =>
  `[...document.querySelectorAll('#table td.dash-cell[data-dash-column="${id}"]')].map((td) => td.textContent)`;

/** The cells of column `id` that the page shows now. */
const shown = (page: Page, id: string): Promise<string[]> => page.evaluate(column(id));

/** Waits until column `id` shows exactly `cells`. */
const waitForColumn = (page: Page, id: string, cells: readonly (string | number)[]) =>
  waitFor(page, `JSON.stringify(${column(id)}) === ${JSON.stringify(JSON.stringify(cells.map(String)))}`, 10_000);

const range = (from: number, to: number): number[] =>
  Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => (to >= from ? from + i : from - i));

describe.sequential("DataTable", () => {
  it("loads its grid chunk and shows the first page of five rows", async () => {
    const { page, problems } = await table.open();
    await waitForColumn(page, "n", range(1, 5));
    expect(await shown(page, "name")).toEqual(["row 01", "row 02", "row 03", "row 04", "row 05"]);
    expect(await page.evaluate("Object.keys(window.dash_table)")).toEqual(["DataTable"]);
    await waitForText(page, "#state", "page 0; sort none");
    // The grid itself is the async chunk, fetched relative to the bundle's (fingerprinted) URL.
    const loaded = await page.evaluate(
      `performance.getEntriesByType("resource").map((entry) => entry.name).filter((name) => name.includes("/dash_table/"))`,
    );
    expect((loaded as string[]).some((name) => /dash_table\/bundle\.v7_4_1m[0-9a-f]+\.js$/.test(name))).toBe(true);
    expect((loaded as string[]).some((name) => /dash_table\/async-table(\.v[\w-]+m[0-9a-f]+)?\.js$/.test(name))).toBe(
      true,
    );
    expect(problems).toEqual([]);
  });

  it("pages forward and back; the visible rows change and page_current reaches the server", async () => {
    const { page, problems } = await table.open();
    await waitForColumn(page, "n", range(1, 5));
    await page.click("#table button.next-page");
    await waitForColumn(page, "n", range(6, 10));
    await waitForText(page, "#state", "page 1; sort none");
    for (let i = 0; i < 3; i++) await page.click("#table button.next-page");
    // 23 rows: the fifth page holds the last three.
    await waitForColumn(page, "n", range(21, 23));
    await waitForText(page, "#state", "page 4; sort none");
    expect(await page.isDisabled("#table button.next-page")).toBe(true);
    await page.click("#table button.previous-page");
    await waitForColumn(page, "n", range(16, 20));
    expect(problems).toEqual([]);
  });

  it("sorts ascending then descending by a column, across all pages", async () => {
    const { page, problems } = await table.open();
    await waitForColumn(page, "n", range(1, 5));
    const sortN = '#table th[data-dash-column="n"] .column-header--sort';
    await page.click(sortN);
    await waitForText(page, "#state", "page 0; sort n asc");
    expect(await shown(page, "n")).toEqual(range(1, 5).map(String));
    await page.click(sortN);
    await waitForText(page, "#state", "page 0; sort n desc");
    await waitForColumn(page, "n", range(23, 19));
    await page.click("#table button.next-page");
    await waitForColumn(page, "n", range(18, 14));

    await page.click('#table th[data-dash-column="parity"] .column-header--sort');
    await waitForText(page, "#state", /sort parity asc$/);
    // 11 even rows sort before the 12 odd ones: whatever page is shown, it is one kind only.
    await page.click("#table button.first-page");
    await waitFor(
      page,
      `${column("parity")}.length === 5 && ${column("parity")}.every((cell) => cell === "even")`,
      10_000,
    );
    expect(await textOf(page, "#state")).toBe("page 0; sort parity asc");
    expect(problems).toEqual([]);
  });
});
