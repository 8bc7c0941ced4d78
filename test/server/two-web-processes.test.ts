import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningExample, startExample } from "../browser/harness.js";
import { body, DashClient } from "./http.js";

// Two web processes of one app on one SQLite file, as behind a load balancer: a page loaded from
// A, a job started through A, polled and cancelled through B.
const shared = { CACHE_PATH: join(mkdtempSync(join(tmpdir(), "bgcb-two-web-")), "cache.sqlite") };
let a: RunningExample;
let b: RunningExample;

beforeAll(async () => {
  [a, b] = await Promise.all([
    startExample("examples/progress-bar.ts", shared),
    startExample("examples/progress-bar.ts", shared),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const run = body("paragraph_id", "button_id", 1, "n_clicks");

describe("two web processes on one DiskManager file", () => {
  it("a job started through one is polled to its result through the other", async () => {
    const viaA = new DashClient(a.url);
    await viaA.loadPage();
    const first = (await (await viaA.update(run)).json()) as Record<string, unknown>;
    expect(first.job).toBeDefined();
    const viaB = new DashClient(b.url);
    viaB.endId = viaA.endId; // the same page keeps its end_id, whichever process answers
    const progress: unknown[] = [];
    for (;;) {
      const response = await viaB.poll(run, first);
      expect(response.status).toBe(200);
      const answer = (await response.json()) as Record<string, Record<string, unknown> | undefined>;
      if (answer.progress) progress.push(answer.progress["progress_bar.value"]);
      if (answer.response) {
        expect(answer.response).toEqual({ paragraph_id: { children: "Clicked 1 times" } });
        break;
      }
    }
    expect(progress.length).toBeGreaterThan(1);
  });

  it("a job started through one is cancelled through the other", async () => {
    const viaA = new DashClient(a.url);
    await viaA.loadPage();
    const first = (await (await viaA.update(run)).json()) as Record<string, unknown>;
    const viaB = new DashClient(b.url);
    viaB.endId = viaA.endId;
    const cancel = await viaB.update(
      {
        output: "cancel_button_id.id",
        outputs: { id: "cancel_button_id", property: "id" },
        inputs: [{ id: "cancel_button_id", property: "n_clicks", value: 1 }],
        changedPropIds: ["cancel_button_id.n_clicks"],
      },
      { cancelJob: String(first.job) },
    );
    expect(cancel.status).toBe(204);
    expect((await viaA.poll(run, first)).status).toBe(204);
  });
});
