/**
 * Dash's open background-callback bugs, with the real renderer: MATCH runs for different items
 * (Dash #2681, #3169), noUpdate in setProgress (#2846), the last progress (#2828), and per-request
 * data in a job while the session cookie stays out of it.
 */
import { describe, expect, it } from "vitest";
import { textOf, useApp, useBrowser, values, waitForText, watch } from "./harness.js";

const browser = useBrowser();

const text = (selector: string) => `document.querySelector(${JSON.stringify(selector)})?.textContent`;

describe.sequential("dash-bugs-app", () => {
  const fixture = useApp("test/fixtures/dash-bugs-app.ts", browser);

  it("MATCH: clicking another item while the first one's job runs leaves that job running; every item ends", async () => {
    const { page, problems } = await fixture.open();
    const ids = await page.evaluate<string[]>(
      "[...document.querySelectorAll('button')].map((button) => button.id).filter((id) => id.startsWith('{'))",
    );
    expect(ids).toHaveLength(3);
    for (const id of ids) await page.click(`[id='${id}']`);
    for (const id of ids) {
      const { index } = JSON.parse(id) as { index: number };
      await waitForText(page, `[id='${id.replace("m-btn", "m-out")}']`, `item ${index} done 1`, 15_000);
    }
    expect(problems).toEqual([]);
  });

  it("noUpdate in setProgress leaves that output as it is; the last progress shows", async () => {
    const { page, problems } = await fixture.open();
    await watch(page, "p1", text("#nu-p1"));
    await watch(page, "p2", text("#nu-p2"));
    await page.click("#nu-run");
    await waitForText(page, "#nu-out", "done", 15_000);
    const p1 = await values<string>(page, "p1");
    const p2 = await values<string>(page, "p2");
    expect(p1).toEqual(["p1", "a", "finished"]);
    expect(p2).toEqual(["p2", "b", "c"]);
    expect(await textOf(page, "#nu-p1")).toBe("finished");
    expect(problems).toEqual([]);
  });

  it("a job gets the user id the app derived from the session cookie, and no cookie", async () => {
    const { page, problems } = await fixture.open();
    await page.context().addCookies([{ name: "session", value: "browser-session-token", url: fixture.app.url }]);
    await page.goto(`${fixture.app.url}?tab=settings`);
    await page.waitForSelector("#who-run");
    await page.click("#who-run");
    await waitForText(page, "#who-out", 'user-7 {} {"tab":"settings"}', 15_000);
    expect(problems).toEqual([]);
  });
});
