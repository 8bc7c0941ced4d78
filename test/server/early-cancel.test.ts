import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../../src/index.js";
import { app, manager } from "../fixtures/early-cancel-app.js";
import { DashClient } from "./http.js";

// The renderer learns a job's handles from its first response; its cancel button is enabled by the
// running state at the click. A cancel clicked in between sends the hidden cancel callback without
// `cancelJob`: the server must still find the job it is starting for that page.

let running: RunningApp;
let base = "";

beforeAll(async () => {
  running = (await app.run({ port: 0, host: "127.0.0.1" })) as RunningApp;
  base = running.url;
});

afterAll(async () => {
  await running.close();
});

async function page(): Promise<DashClient> {
  const client = new DashClient(base);
  await client.loadPage();
  return client;
}

const run = (ms: number, output = "out", input = "run") => ({
  output: `${output}.children`,
  outputs: { id: output, property: "children" },
  inputs: [{ id: input, property: "n_clicks", value: ms }],
  changedPropIds: [`${input}.n_clicks`],
});

/** The hidden cancel callback's request, as the renderer sends it before it knows any job. */
const cancel = (input = "stop") => ({
  output: `${input}.id`,
  outputs: { id: input, property: "id" },
  inputs: [{ id: input, property: "n_clicks", value: 1 }],
  changedPropIds: [`${input}.n_clicks`],
});

/** Resolves once the manager holds `count` jobs, queued or running: the start requests submitted them. */
async function submittedJobs(count: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { queued, running } = await manager.inspect();
    if (queued + running.length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never ${count} jobs submitted: ${JSON.stringify(await manager.inspect())}`);
}

/** The job id inside a signed `job` handle (`<jobId>.<mac>`). */
const jobIdOf = (handle: unknown) => String(handle).split(".")[0] as string;

describe("a cancel that comes before the first response", () => {
  it("cancels the job the page is starting: its first response carries no result", async () => {
    const client = await page();
    const started = client.update(run(4_000));
    await submittedJobs(1);
    const cancelled = await client.update(cancel());
    expect(cancelled.status).toBe(204);
    const first = await started;
    const answer = (await first.json()) as Record<string, unknown>;
    // Ended without a result: handles, and nothing to update (the renderer then ends the running state).
    expect(answer).toMatchObject({ job: expect.any(String) });
    expect(answer.response ?? {}).toEqual({});
    expect((await manager.take(jobIdOf(answer.job))).outcome?.kind).toBe("cancelled");
    expect((await manager.inspect()).running).toEqual([]);
  });

  it("leaves alone another page's job, and a job of a callback the input does not cancel", async () => {
    const [mine, theirs] = [await page(), await page()];
    const started = mine.update(run(800));
    const other = mine.update(run(800, "other-out", "other-run"));
    await submittedJobs(2);
    expect((await theirs.update(cancel())).status).toBe(204);
    const [first, second] = await Promise.all([started, other]);
    expect(await first.json()).toMatchObject({ response: { out: { children: "ran 800 ms" } } });
    expect(await second.json()).toMatchObject({ response: { "other-out": { children: "other ran 800 ms" } } });
  });

  it("a cancel that names a job cancels that one only: the page knew what it cancelled", async () => {
    const client = await page();
    const known = (await (await client.update(run(1))).json()) as Record<string, unknown>;
    expect(known).toMatchObject({ response: { out: { children: "ran 1 ms" } } });
    const other = client.update(run(1_500));
    await submittedJobs(1);
    expect((await client.update(cancel(), { cancelJob: String(known.job) })).status).toBe(204);
    expect(await (await other).json()).toMatchObject({ response: { out: { children: "ran 1500 ms" } } });
  });
});
