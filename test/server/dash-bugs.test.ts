/** Dash's open background-callback bugs, each driven through the protocol as the renderer speaks it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../../src/index.js";
import { app } from "../fixtures/parity-app.js";
import { body, DashClient } from "./http.js";

let client: DashClient;
let running: RunningApp;

beforeAll(async () => {
  ({ client, running } = await DashClient.start(app));
});

afterAll(async () => {
  await running.close();
});

type Answer = Record<string, unknown>;

/** Every answer of a run (first response, then polls), as JSON (`null` for an empty 204). */
async function answersOf(requestBody: Record<string, unknown>): Promise<Answer[]> {
  const { first, polls } = await client.runJob(requestBody);
  return [first, ...polls.map((poll) => (poll.status === 204 ? null : (poll.body as Answer)))].filter(
    (answer): answer is Answer => answer !== null,
  );
}

const progressOf = (answers: Answer[]) =>
  answers.flatMap((answer) => (answer.progress ? [answer.progress as Record<string, unknown>] : []));

describe("noUpdate inside setProgress (Dash #2846)", () => {
  it("leaves that progress output untouched and never sends the noUpdate marker", async () => {
    const runs = await Promise.all([1, 2].map((n) => answersOf(body("nu-out", "nu-run", n, "n_clicks"))));
    for (const answers of runs) {
      expect(JSON.stringify(answers)).not.toContain("_dash_no_update");
      const progress = progressOf(answers);
      // What the page shows after each answer: the outputs an answer leaves out keep their value.
      const shown = progress.reduce<Record<string, unknown>>((page, update) => Object.assign(page, update), {});
      expect(shown).toEqual({ "nu-p1.children": "d", "nu-p2.children": "c" });
      expect(progress.map((update) => update["nu-p1.children"]).filter((v) => v !== undefined)).toEqual(
        expect.arrayContaining(["a", "d"]),
      );
      expect(progress.flatMap((update) => Object.values(update))).not.toContain(null);
      expect(answers.at(-1)?.response).toEqual({ "nu-out": { children: "done" } });
    }
  });

  it("a single progress output given noUpdate, alone or in a list, keeps its value", async () => {
    const answers = await answersOf(body("nu1-out", "nu1-run", 1, "n_clicks"));
    expect(JSON.stringify(answers)).not.toContain("_dash_no_update");
    expect(progressOf(answers)).toEqual([{ "nu1-p.children": "x" }]);
    expect(answers.at(-1)?.response).toEqual({ "nu1-out": { children: "done" } });
  });
});

describe("the last progress is never skipped (Dash #2828)", () => {
  it("progress set right before the job returns reaches the page, at the latest with the result", async () => {
    const runs = await Promise.all([1, 2, 3, 4].map((n) => answersOf(body("last-out", "last-run", n, "n_clicks"))));
    runs.forEach((answers, index) => {
      const progress = progressOf(answers).map((update) => update["last-progress.children"]);
      expect(progress.at(-1)).toBe(`finished ${index + 1}`);
      const end = answers.at(-1);
      expect(end?.response).toEqual({ "last-out": { children: `result ${index + 1}` } });
      // The result's answer carries the progress it would otherwise skip, unless a poll already did.
      if (!progressOf(answers.slice(0, -1)).some((update) => update["last-progress.children"] === progress.at(-1))) {
        expect(end?.progress).toEqual({ "last-progress.children": `finished ${index + 1}` });
      }
    });
  });
});

describe("a newer run and the older one (Dash #2751)", () => {
  /** Starts run 1, then run 2 with run 1's `oldJob`, as the renderer does on a second click; polls both to the end. */
  async function replace(name: string) {
    const first1 = (await (await client.update(body(`${name}-out`, `${name}-run`, 1, "n_clicks"))).json()) as Answer;
    const second = client.runJob(body(`${name}-out`, `${name}-run`, 2, "n_clicks"), { oldJob: String(first1.job) });
    const older = (async () => {
      for (let i = 0; i < 100; i++) {
        const response = await client.poll(body(`${name}-out`, `${name}-run`, 1, "n_clicks"), first1);
        if (response.status === 204) return null;
        const polled = (await response.json()) as Answer;
        if (polled.response !== undefined) return polled.response;
      }
      throw new Error("the older run never ended");
    })();
    const [newer, olderEnd] = await Promise.all([second, older]);
    return { newer: newer.polls.at(-1)?.body as Answer, older: olderEnd };
  }

  it("by default (cancelPrevious: true, as Dash) the newer run cancels the older one", async () => {
    const { newer, older } = await replace("replace");
    expect(newer.response).toEqual({ "replace-out": { children: "run 2" } });
    expect(older).toBeNull();
  });

  it("with cancelPrevious: false the older run goes on to its end", async () => {
    const { newer, older } = await replace("keep");
    expect(newer.response).toEqual({ "keep-out": { children: "run 2" } });
    expect(older).toEqual({ "keep-out": { children: "run 1" } });
  });
});

describe("MATCH background callbacks (Dash #2681, #3169)", () => {
  const matchBody = (index: number, clicks: number) => ({
    output: '{"index":["MATCH"],"type":"m-out"}.children',
    outputs: { id: { type: "m-out", index }, property: "children" },
    inputs: [{ id: { type: "m-btn", index }, property: "n_clicks", value: clicks }],
    changedPropIds: [`{"index":${index},"type":"m-btn"}.n_clicks`],
  });

  it("overlapping runs for different ids all finish, each with its own result", async () => {
    const runs = await Promise.all([0, 1, 2].map((index) => client.runJob(matchBody(index, index + 1))));
    runs.forEach(({ polls }, index) => {
      const end = polls.at(-1)?.body as Answer;
      expect(end.response).toEqual({
        [`{"index":${index},"type":"m-out"}`]: { children: `item ${index} clicked ${index + 1}` },
      });
    });
  });

  it("a second run for the same id, sent with the first one's oldJob, replaces only that one", async () => {
    const started = await Promise.all([0, 1].map(async (index) => (await client.update(matchBody(index, 1))).json()));
    const [first0, first1] = started as [Answer, Answer];
    const again0 = client.runJob(matchBody(0, 2), { oldJob: String(first0.job) });
    const pollToEnd = async (index: number, first: Answer) => {
      for (let i = 0; i < 100; i++) {
        const response = await client.poll(matchBody(index, 1), first);
        if (response.status === 204) return null;
        const polled = (await response.json()) as Answer;
        if (polled.response !== undefined) return polled.response;
      }
      throw new Error("never ended");
    };
    const [replaced, other, newer] = await Promise.all([pollToEnd(0, first0), pollToEnd(1, first1), again0]);
    expect(replaced).toBeNull();
    expect(other).toEqual({ '{"index":1,"type":"m-out"}': { children: "item 1 clicked 1" } });
    expect((newer.polls.at(-1)?.body as Answer | undefined)?.response).toEqual({
      '{"index":0,"type":"m-out"}': { children: "item 0 clicked 2" },
    });
  });
});
