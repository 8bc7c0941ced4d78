import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dash, RunningApp } from "../../src/index.js";
import { app as onApp } from "../fixtures/map-app.js";
import { app as perCallback } from "../fixtures/map-app-per-callback.js";
import { body, DashClient } from "../server/http.js";

/** Serves `app`; the documented manager runs its jobs on real worker processes that import the app module. */
function served(app: Dash): { client: () => DashClient } {
  let client: DashClient;
  let running: RunningApp;
  beforeAll(async () => {
    ({ client, running } = await DashClient.start(app));
  });
  afterAll(async () => {
    await running.close();
  });
  return { client: () => client };
}

/** The pid a job reported in its text: it ran in a worker process, not in this one. */
const pidIn = (text: unknown): number => Number(/(\d+)$/.exec(String(text))?.[1]);

describe("docs/examples/minimal-manager.ts in an app", () => {
  describe("on the app constructor", () => {
    const { client } = served(onApp);

    it("a background callback runs on a worker process, reports progress, and its result reaches the page", async () => {
      const { first, polls } = await client().runJob(body("out", "run", 2, "n_clicks"));
      const bodies = [first, ...polls.map((poll) => poll.body as Record<string, unknown>)];
      expect(polls.every((poll) => poll.status === 200)).toBe(true);
      const result = (bodies.at(-1) as { response: { out: { children: string } } }).response.out.children;
      expect(result).toMatch(/^Clicked 2 times in \d+$/);
      expect(pidIn(result)).not.toBe(process.pid);
      const progress = bodies.flatMap((b) =>
        b.progress ? [(b.progress as Record<string, string>)["status.children"]] : [],
      );
      expect(progress.length).toBeGreaterThan(0);
      for (const value of progress) expect(pidIn(value)).toBe(pidIn(result));
    });

    it("two jobs at once both end with their own result", async () => {
      const results = await Promise.all(
        [3, 4].map(async (n) => (await client().runJob(body("out", "run", n, "n_clicks"))).polls.at(-1)?.body),
      );
      expect(results.map((b) => (b as { response: { out: { children: string } } }).response.out.children)).toEqual([
        expect.stringMatching(/^Clicked 3 times in \d+$/),
        expect.stringMatching(/^Clicked 4 times in \d+$/),
      ]);
    });
  });

  describe("passed per callback", () => {
    const { client } = served(perCallback);

    it("the callback's own manager runs it on a worker process, to the result", async () => {
      const { first, polls } = await client().runJob(body("shout", "word", "hello"));
      const last = (polls.at(-1)?.body ?? first) as { response: { shout: { children: string } } };
      expect(last.response.shout.children).toMatch(/^HELLO from \d+$/);
      expect(pidIn(last.response.shout.children)).not.toBe(process.pid);
    });
  });
});
