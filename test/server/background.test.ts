import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../../src/index.js";
import { app } from "../fixtures/protocol-app.js";
import { body, DashClient } from "./http.js";

let client: DashClient;
let running: RunningApp;

beforeAll(async () => {
  ({ client, running } = await DashClient.start(app));
});

afterAll(async () => {
  await running.close();
});

const runBody = { ...body("out", "run", 1, "n_clicks") };

describe("background callbacks over HTTP", () => {
  it("the first response carries URL-safe handles, the cancel inputs and progressDefault, and no response", async () => {
    const response = await client.update(runBody);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const first = (await response.json()) as Record<string, unknown>;
    expect(first.cacheKey).toMatch(/^[\w.-]+$/);
    expect(first.job).toMatch(/^[\w.-]+$/);
    expect(first.cancel).toEqual([{ id: "cancel-btn", property: "n_clicks" }]);
    expect(first.progressDefault).toEqual({ "status.children": "idle" });
    expect(first.response).toBeUndefined();
  });

  it("polls return progress in order, then the result; no progress after the end", async () => {
    const { polls } = await client.runJob(runBody);
    const last = polls.at(-1);
    expect(last?.status).toBe(200);
    expect(last?.body).toMatchObject({ multi: true, response: { out: { children: "Clicked 1 times" } } });
    const progress = polls.flatMap((poll) => {
      const value = (poll.body as { progress?: Record<string, string> }).progress;
      return value ? [value["status.children"]] : [];
    });
    expect(progress.length).toBeGreaterThan(0);
    expect([...progress].sort()).toEqual(progress);
    expect(new Set(progress).size).toBe(progress.length);
  });

  it("a fast job's result comes in the first response, with its handles", async () => {
    const response = await client.update(body("fast-out", "fast-in", "x"));
    const first = (await response.json()) as Record<string, unknown>;
    expect(first).toMatchObject({ multi: true, response: { "fast-out": { children: "fast x" } } });
    expect(typeof first.job).toBe("string");
  });

  it("every setProps call reaches the browser, merged per component, several components at once", async () => {
    const { first, polls } = await client.runJob(body("side-out", "side-in", 1));
    const sides = [first, ...polls.map((poll) => poll.body as Record<string, unknown>)].flatMap((b) =>
      b.sideUpdate ? [b.sideUpdate] : [],
    );
    expect(sides[0]).toEqual({
      secondary: { children: "first", style: { background: "red" } },
      tertiary: { children: "third" },
    });
    expect(sides).toContainEqual({ secondary: { children: "second" } });
    expect(polls.at(-1)?.body).toMatchObject({ response: { "side-out": { children: "completed" } } });
  });

  it("noUpdate and PreventUpdate end with 204; noUpdate with setProps sends only the side update", async () => {
    expect((await client.runJob(body("noupdate-out", "noupdate-in", "plain"))).polls.at(-1)?.status).toBe(204);
    expect((await client.runJob(body("noupdate-out", "noupdate-in", "prevent"))).polls.at(-1)?.status).toBe(204);
    // The side update reaches the page once: with the outcome (a 200 with an empty response), or —
    // when it was taken before the job ended, as a slow machine makes happen — in the first
    // response or an earlier poll, and then the outcome alone is a 204.
    const withProps = await client.runJob(body("noupdate-out", "noupdate-in", "props"));
    const sideUpdate = { secondary: { children: "only a side update" } };
    const answers = [withProps.first, ...withProps.polls.map((poll) => poll.body)] as Record<string, unknown>[];
    expect(answers.filter((answer) => answer.sideUpdate !== undefined).map((answer) => answer.sideUpdate)).toEqual([
      sideUpdate,
    ]);
    const last = withProps.polls.at(-1);
    if (last?.status === 200) expect(last.body).toEqual({ multi: true, response: {}, sideUpdate });
    else expect(last?.status).toBe(204);
  });

  it("a throwing job reaches the browser as an error, never as a silent 204", async () => {
    const last = (await client.runJob(body("error-out", "error-in", 1))).polls.at(-1);
    expect(last?.status).toBe(500);
    expect(last?.body).toContain(
      "BackgroundCallbackError: An error occurred inside a background callback: the job broke",
    );
  });

  it("a job whose process died reaches the browser as an error", async () => {
    const last = (await client.runJob(body("crash-out", "crash-in", 1))).polls.at(-1);
    expect(last?.status).toBe(500);
    expect(last?.body).toMatch(/lost.*exited with code 3/);
  });

  it("a multi-output job that returns noUpdate for one output updates only the other", async () => {
    const multi = {
      output: "..multi-a.children...multi-b.children..",
      outputs: [
        { id: "multi-a", property: "children" },
        { id: "multi-b", property: "children" },
      ],
      inputs: [{ id: "multi-in", property: "value", value: "v" }],
      changedPropIds: ["multi-in.value"],
    };
    expect((await client.runJob(multi)).polls.at(-1)?.body).toEqual({
      multi: true,
      response: { "multi-b": { children: "b v" } },
    });
  });

  it("the hidden cancel callback's cancelJob stops a running job: its next poll is a 204", async () => {
    const first = (await (await client.update(body("wait-out", "wait-in", "a"))).json()) as Record<string, unknown>;
    const cancel = await client.update(
      {
        output: "cancel-btn.id",
        outputs: { id: "cancel-btn", property: "id" },
        inputs: [{ id: "cancel-btn", property: "n_clicks", value: 1 }],
        changedPropIds: ["cancel-btn.n_clicks"],
      },
      { cancelJob: String(first.job) },
    );
    expect(cancel.status).toBe(204);
    expect((await client.poll(body("wait-out", "wait-in", "a"), first)).status).toBe(204);
  });

  it("oldJob cancels the replaced run", async () => {
    const old = (await (await client.update(body("wait-out", "wait-in", "old"))).json()) as Record<string, unknown>;
    const replacement = (await (
      await client.update(body("wait-out", "wait-in", "new"), { oldJob: String(old.job) })
    ).json()) as Record<string, unknown>;
    expect((await client.poll(body("wait-out", "wait-in", "old"), old)).status).toBe(204);
    // Nothing new for the whole long poll (2 s in this app): the answer is an empty update.
    const stillRunning = await client.poll(body("wait-out", "wait-in", "new"), replacement);
    expect(stillRunning.status).toBe(200);
    expect(await stillRunning.json()).toEqual({ multi: true });
    await client.update(body("wait-out", "wait-in", "x"), { cancelJob: String(replacement.job) });
  });

  it("a memoised result is answered in the first response; ignored arguments hit the same entry", async () => {
    const input = (noise: number) => ({
      output: "cached-out.children",
      outputs: { id: "cached-out", property: "children" },
      inputs: [
        { id: "cached-in", property: "value", value: "k" },
        { id: "cached-noise", property: "value", value: noise },
      ],
      changedPropIds: ["cached-in.value"],
    });
    const miss = await client.runJob(input(1));
    const value = (miss.polls.at(-1)?.body as { response?: Record<string, unknown> } | undefined)?.response;
    expect(value).toBeDefined();
    const hit = await client.runJob(input(2));
    expect(hit.first.response).toEqual(value);
    expect(hit.polls).toEqual([]);
  });
});

describe("signed handles", () => {
  it("a forged job handle is refused with 403", async () => {
    const first = (await (await client.update(body("wait-out", "wait-in", "f"))).json()) as Record<string, unknown>;
    const [id, sig] = String(first.job).split(".");
    const forged = { ...first, job: `${id}x.${sig}`, cacheKey: `${id}x.${sig}` };
    const response = await client.poll(body("wait-out", "wait-in", "f"), forged);
    expect(response.status).toBe(403);
    await client.update(body("wait-out", "wait-in", "x"), { cancelJob: String(first.job) });
  });

  it("handles replayed from another page load are refused, and their cancelJob is ignored", async () => {
    const first = (await (await client.update(body("wait-out", "wait-in", "r"))).json()) as Record<string, unknown>;
    const other = new DashClient(client.base);
    await other.loadPage();
    expect(other.endId).not.toBe(client.endId);
    expect((await other.poll(body("wait-out", "wait-in", "r"), first)).status).toBe(403);
    const cancel = await other.update(
      {
        output: "cancel-btn.id",
        outputs: { id: "cancel-btn", property: "id" },
        inputs: [{ id: "cancel-btn", property: "n_clicks", value: 1 }],
        changedPropIds: [],
      },
      { cancelJob: String(first.job) },
    );
    expect(cancel.status).toBe(204);
    expect((await client.poll(body("wait-out", "wait-in", "r"), first)).status).toBe(200);
    await client.update(body("wait-out", "wait-in", "x"), { cancelJob: String(first.job) });
  });

  it("an endId that this server did not issue is refused with 400", async () => {
    const rogue = new DashClient(client.base);
    rogue.endId = "abc.def";
    expect((await rogue.update(body("normal-out", "normal-in", 1))).status).toBe(400);
  });
});
