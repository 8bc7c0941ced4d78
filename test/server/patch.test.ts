import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyPatch, Dash, Input, isPatch, type Json, Output, type RunningApp } from "../../src/index.js";
import { app, manager, rowsOf } from "../fixtures/patch-app.js";
import { DashClient } from "./http.js";

let client: DashClient;
let running: RunningApp;

beforeAll(async () => {
  ({ client, running } = await DashClient.start(app));
});

afterAll(async () => {
  await running.close();
});

type Body = Record<string, unknown>;
const growBody = (steps: number): Body => ({
  output: "fig.figure",
  outputs: { id: "fig", property: "figure" },
  inputs: [{ id: "grow", property: "n_clicks", value: steps }],
  changedPropIds: ["grow.n_clicks"],
});

/** Applies every answer of a run to a page's props, as the renderer does, in order. */
function replay(answers: Body[], start: Record<string, Json>): Record<string, Json> {
  const props = { ...start };
  const apply = (key: string, value: Json) => {
    props[key] = isPatch(value) ? applyPatch(props[key] ?? null, value) : value;
  };
  for (const answer of answers) {
    for (const [id, values] of Object.entries((answer.sideUpdate ?? {}) as Record<string, Record<string, Json>>)) {
      for (const [prop, value] of Object.entries(values)) apply(`${id}.${prop}`, value);
    }
    for (const [key, value] of Object.entries((answer.progress ?? {}) as Record<string, Json>)) apply(key, value);
    for (const [id, values] of Object.entries((answer.response ?? {}) as Record<string, Record<string, Json>>)) {
      for (const [prop, value] of Object.entries(values)) apply(`${id}.${prop}`, value);
    }
  }
  return props;
}

describe("Patch through a background job", () => {
  it("setProps patches, progress patches and a returned patch arrive as the wire object; none is lost between polls", async () => {
    // Ten steps 5 ms apart: several patches land between two polls and must be composed, not replaced.
    const runs = await Promise.all([client.runJob(growBody(10)), client.runJob(growBody(2))]);
    for (const [index, steps] of [10, 2].entries()) {
      const { first, polls } = runs[index] as (typeof runs)[number];
      const answers = [first, ...polls.map((poll) => poll.body as Body)];
      expect(polls.every((poll) => poll.status === 200)).toBe(true);
      const last = answers.at(-1) as Body;
      expect(last.response).toEqual({
        fig: {
          figure: {
            __dash_patch_update: "__dash_patch_update",
            operations: [
              { operation: "Append", location: ["data", 0, "y"], params: { value: steps } },
              { operation: "Assign", location: ["layout", "title"], params: { value: `${steps} steps` } },
            ],
          },
        },
      });
      const page = replay(answers, {
        "table.data": [],
        "log.children": [],
        "fig.figure": { data: [{ y: [0] }], layout: {} },
      });
      expect(page["table.data"]).toEqual(rowsOf(0, 3 * (steps + 1)));
      expect(page["fig.figure"]).toEqual({ data: [{ y: [0, steps] }], layout: { title: `${steps} steps` } });
      // Progress keeps only the newest value per poll (as Dash): the last step always arrives.
      expect((page["log.children"] as string[]).at(-1)).toBe(`step ${steps}`);
      const sent = answers.flatMap((answer) => Object.values((answer.sideUpdate ?? {}) as Record<string, unknown>));
      expect(sent.length).toBeGreaterThan(0);
    }
  });
});

describe("grouped signatures", () => {
  it("a normal callback gets one object in the shape of inputs and state, returns an object, sees argsGrouping", async () => {
    const response = await client.update({
      output: "..total.children...echo.children..",
      outputs: [
        { id: "total", property: "children" },
        { id: "echo", property: "children" },
      ],
      inputs: [
        { id: "a", property: "value", value: 1 },
        { id: "b1", property: "value", value: 20 },
        { id: "b2", property: "value", value: 300 },
      ],
      state: [{ id: "note", property: "value", value: "hi" }],
      changedPropIds: ["b1.value"],
    });
    expect(response.status).toBe(200);
    const { response: outputs } = (await response.json()) as { response: Record<string, { children: Json }> };
    expect(outputs.total?.children).toBe(321);
    const echo = JSON.parse(String(outputs.echo?.children));
    const leaf = (id: string, value: Json, triggered: boolean) => ({
      id,
      idStr: id,
      property: "value",
      value,
      triggered,
    });
    expect(echo).toEqual({
      note: "hi",
      args: {
        a: leaf("a", 1, false),
        pair: [leaf("b1", 20, true), leaf("b2", 300, false)],
        note: leaf("note", "hi", false),
      },
      outputs: [
        { id: "total", property: "children" },
        { id: "echo", property: "children" },
      ],
    });
  });

  it("a background job gets positional groups and returns a list of groups; ctx.argsGrouping crosses the process boundary", async () => {
    const { first, polls } = await client.runJob({
      output: "..bg-sum.children...bg-first.children...bg-ctx.children..",
      outputs: [
        { id: "bg-sum", property: "children" },
        { id: "bg-first", property: "children" },
        { id: "bg-ctx", property: "children" },
      ],
      inputs: [
        { id: "g1", property: "value", value: 1 },
        { id: "gx", property: "value", value: 2 },
        { id: "gy", property: "value", value: 3 },
      ],
      changedPropIds: ["gy.value"],
    });
    const last = (polls.at(-1)?.body ?? first) as { response: Record<string, { children: Json }> };
    expect(last.response["bg-sum"]?.children).toBe(6);
    expect(last.response["bg-first"]?.children).toBe(1);
    const seen = JSON.parse(String(last.response["bg-ctx"]?.children));
    expect(seen.args[1].y).toEqual({ id: "gy", idStr: "gy", property: "value", value: 3, triggered: true });
    expect(seen.args[0]).toMatchObject({ id: "g1", value: 1, triggered: false });
    expect(seen.outputs).toHaveLength(3);
  });
});

describe("grouped signatures with wildcards", () => {
  it("argsGrouping gives each matched component its concrete id, value and triggering", async () => {
    const item = (index: number, value: number, property = "value") => ({
      id: { index, type: "item" },
      property,
      value,
    });
    const response = await client.update({
      output: '..{"index":["MATCH"],"type":"seen"}.children..',
      outputs: [{ id: { index: 2, type: "seen" }, property: "children" }],
      inputs: [item(2, 20), [item(1, 10, "title"), item(2, 20, "title"), item(3, 30, "title")]],
      changedPropIds: ['{"index":2,"type":"item"}.value'],
    });
    expect(response.status).toBe(200);
    const { response: outputs } = (await response.json()) as { response: Record<string, { children: string }> };
    const seen = JSON.parse(String(outputs['{"index":2,"type":"seen"}']?.children));
    const leaf = (index: number, value: number, property = "value") => ({
      id: { index, type: "item" },
      idStr: `{"index":${index},"type":"item"}`,
      property,
      value,
      triggered: index === 2 && property === "value",
    });
    expect(seen).toEqual({
      mine: 20,
      all: [10, 20, 30],
      args: { mine: leaf(2, 20), all: [leaf(1, 10, "title"), leaf(2, 20, "title"), leaf(3, 30, "title")] },
      // The wildcard output as the page resolved it, as Dash's outputs_list shows it.
      outputs: [{ id: { index: 2, type: "seen" }, property: "children" }],
    });
  });
});

describe("app-level defaults and allowDuplicate", () => {
  it("the app's preventInitialCallbacks applies where a callback does not decide; allowDuplicate outputs get the @hash id", async () => {
    const deps = (await (await fetch(`${client.base}_dash-dependencies`)).json()) as Body[];
    expect(deps.find((dep) => dep.output === "fig.figure")?.prevent_initial_call).toBe(true);
    expect(deps.find((dep) => String(dep.output).startsWith("..total"))?.prevent_initial_call).toBe(false);
    const dups = deps.filter((dep) => String(dep.output).startsWith("dup.children@"));
    expect(dups).toHaveLength(2);
    expect(dups.map((dep) => dep.prevent_initial_call)).toEqual([false, true]);
    expect(new Set(dups.map((dep) => dep.output)).size).toBe(2);
    const response = await client.update({
      output: dups[0]?.output,
      outputs: { id: "dup", property: `children@${String(dups[0]?.output).split("@")[1]}` },
      inputs: [{ id: "dup-a", property: "n_clicks", value: 4 }],
      changedPropIds: ["dup-a.n_clicks"],
    });
    expect(await response.json()).toMatchObject({ response: { dup: { children: "a 4" } } });
  });

  it("allowDuplicate without preventInitialCall is refused at registration, naming the output", () => {
    const plain = new Dash();
    const register = () =>
      plain.callback(
        { output: Output("o", "children", { allowDuplicate: true }), inputs: Input("i", "value") },
        () => 1,
      );
    expect(register).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("o.children") }),
    );
    expect(() =>
      plain.callback(
        {
          output: Output("o", "children", { allowDuplicate: true }),
          inputs: Input("i", "value"),
          preventInitialCall: false,
        },
        () => 1,
      ),
    ).toThrow(/allowDuplicate/);
    const lenient = new Dash({ preventInitialCallbacks: "initialDuplicate" });
    expect(() =>
      lenient.callback(
        { output: Output("o", "children", { allowDuplicate: true }), inputs: Input("i", "value") },
        () => 1,
      ),
    ).not.toThrow();
    expect(() => new Dash({ preventInitialCallbacks: "yes" as never })).toThrow(
      expect.objectContaining({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("preventInitialCallbacks"),
      }),
    );
  });

  it("without an app default, a callback's own preventInitialCall is what the page gets", async () => {
    const strict = new Dash({ backgroundCallbackManager: manager });
    strict.callback(
      { output: Output("x", "children"), inputs: Input("y", "value"), preventInitialCall: true },
      () => 1,
    );
    const response = await strict.fetch(new Request("http://127.0.0.1/_dash-dependencies"));
    const deps = (await response.json()) as Body[];
    expect(deps.find((dep) => dep.output === "x.children")?.prevent_initial_call).toBe(true);
  });
});
