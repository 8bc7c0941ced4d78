import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callback, Input, Output, type RunningApp, State } from "../../src/index.js";
import { startExample } from "../browser/harness.js";
import { app } from "../fixtures/parity-app.js";
import { DashClient } from "./http.js";

let client: DashClient;
let running: RunningApp;

beforeAll(async () => {
  ({ client, running } = await DashClient.start(app));
});

afterAll(async () => {
  await running.close();
});

/** A two-input call (`<prefix>-a.value`, `<prefix>-b.n_clicks`) triggered by `trigger`. */
function twoInputs(prefix: string, a: string, b: number, trigger: "a" | "b" | "none") {
  const ids = { a: `${prefix}-a.value`, b: `${prefix}-b.n_clicks` };
  return {
    output: `${prefix}-out.children`,
    outputs: { id: `${prefix}-out`, property: "children" },
    inputs: [
      { id: `${prefix}-a`, property: "value", value: a },
      { id: `${prefix}-b`, property: "n_clicks", value: b },
    ],
    changedPropIds: trigger === "none" ? [] : [ids[trigger]],
  };
}

/** Runs the job and returns the value it answered with. */
async function result(body: Record<string, unknown>, output: string, on = client): Promise<string> {
  const { first, polls } = await on.runJob(body);
  const answer = (polls.at(-1)?.body ?? first) as { response?: Record<string, { children: string }> };
  const value = answer.response?.[output]?.children;
  if (value === undefined) throw new Error(`no result in ${JSON.stringify(answer)}`);
  return value;
}

describe("memoisation keys", () => {
  it("by default a call triggered by another input never gets the result memoised for the first one", async () => {
    const byA = await result(twoInputs("trig", "World", 1, "a"), "trig-out");
    const byB = await result(twoInputs("trig", "World", 1, "b"), "trig-out");
    expect(byB).not.toBe(byA);
    // Each key still memoises: the same trigger with the same values is a hit, in the first response.
    const [again, againB] = await Promise.all([
      client.runJob(twoInputs("trig", "World", 1, "a")),
      client.runJob(twoInputs("trig", "World", 1, "b")),
    ]);
    expect(again.polls).toEqual([]);
    expect(again.first.response).toEqual({ "trig-out": { children: byA } });
    expect(againB.first.response).toEqual({ "trig-out": { children: byB } });
  });

  it("with cacheIgnoreTriggered the trigger is left out, as Dash does by default", async () => {
    const byA = await result(twoInputs("trig-ignore", "Hello", 2, "a"), "trig-ignore-out");
    const byB = await result(twoInputs("trig-ignore", "Hello", 2, "b"), "trig-ignore-out");
    const initial = await result(twoInputs("trig-ignore", "Hello", 2, "none"), "trig-ignore-out");
    expect(new Set([byA, byB, initial]).size).toBe(1);
  });

  it("cacheArgsToIgnore by name leaves out the argument and its triggering: the page-load result serves every click", async () => {
    const call = (clicks: number | null, text: string, triggered: boolean) => ({
      output: "named-out.children",
      outputs: { id: "named-out", property: "children" },
      inputs: [{ id: "named-run", property: "n_clicks", value: clicks }],
      state: [{ id: "named-text", property: "value", value: text }],
      changedPropIds: triggered ? ["named-run.n_clicks"] : [],
    });
    const onLoad = await result(call(null, "AAA", false), "named-out");
    const clicks = await Promise.all([1, 2, 3].map((n) => result(call(n, "AAA", true), "named-out")));
    expect(clicks).toEqual([onLoad, onLoad, onLoad]);
    const other = await result(call(4, "BBB", true), "named-out");
    expect(other).not.toBe(onLoad);
    expect(other.startsWith("BBB/")).toBe(true);
  });

  it("cacheArgsToIgnore names that match no input or state are refused", () => {
    const register = (ignore: unknown) => () =>
      callback(
        {
          output: Output("x-out", "children"),
          inputs: Input("x-in", "value"),
          state: State("x-state", "value"),
          background: true,
          cacheBy: [],
          cacheArgsToIgnore: ignore as never,
        },
        () => null,
      );
    expect(register("x-other.value")).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining('"x-in.value"') }),
    );
    expect(register([2])).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(register({ cacheIgnoreTriggered: "yes" })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("options of background callbacks are refused on normal callbacks", () => {
    for (const option of [{ cacheIgnoreTriggered: true }, { cancelPrevious: false }]) {
      expect(() =>
        callback({ output: Output("y-out", "children"), inputs: Input("y-in", "value"), ...option }, () => 1),
      ).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("background: true") }),
      );
    }
  });
});

describe("a deploy with changed code", () => {
  const path = join(tmpdir(), `bgcb-cache-deploy-${process.pid}.sqlite`);

  afterAll(() => {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  });

  it("never serves results memoised by the old code, which memoised them for itself", async () => {
    const call = {
      output: "deploy-out.children",
      outputs: { id: "deploy-out", property: "children" },
      inputs: [{ id: "deploy-in", property: "value", value: "x" }],
      changedPropIds: ["deploy-in.value"],
    };
    // Each version runs in its own process on the same SQLite file, as one deploy after another.
    const runOn = async (file: string) => {
      const deployed = await startExample(file, { CACHE_PATH: path });
      try {
        const on = new DashClient(deployed.url);
        await on.loadPage();
        const first = await result(call, "deploy-out", on);
        const second = await on.runJob(call);
        return { first, second };
      } finally {
        await deployed.stop();
      }
    };
    const v1 = await runOn("test/fixtures/cache-deploy-v1.ts");
    expect(v1.first.startsWith("v1 x ")).toBe(true);
    expect(v1.second.first.response).toEqual({ "deploy-out": { children: v1.first } });
    const v2 = await runOn("test/fixtures/cache-deploy-v2.ts");
    expect(v2.first.startsWith("v2 x ")).toBe(true);
    expect(v2.second.first.response).toEqual({ "deploy-out": { children: v2.first } });
  }, 60_000);
});
