import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dash, type RunningApp } from "../../src/index.js";
import { calls, makeApp } from "../fixtures/hardening-app.js";
import { body, DashClient } from "./http.js";

let client: DashClient;
/** A request of the normal callback (one input, one state). */
const echo = (value: unknown) => ({
  ...body("echo-out", "echo-in", value),
  state: [{ id: "echo-state", property: "value", value: 0 }],
});
let running: RunningApp;
const PROTO_NAMES = ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf", "isPrototypeOf"];

beforeAll(async () => {
  ({ client, running } = await DashClient.start(makeApp()));
});

afterAll(async () => {
  await running.close();
});

type Handles = Record<string, string>;

async function start(name: string, value: unknown, query: Record<string, string> = {}): Promise<Handles> {
  const response = await client.update(body(`bg-${name}-out`, `bg-${name}-in`, value), query);
  expect(response.status).toBe(200);
  return (await response.json()) as Handles;
}

/** Polls until the job's end: the last answer. */
async function finish(name: string, handles: Handles, via = client): Promise<{ status: number; text: string }> {
  for (;;) {
    const response = await via.poll(body(`bg-${name}-out`, `bg-${name}-in`, null), handles);
    const text = await response.text();
    if (response.status !== 200 || (JSON.parse(text) as { response?: unknown }).response !== undefined) {
      return { status: response.status, text };
    }
  }
}

/** The request of the hidden cancel callback of input `cancel-<name>.n_clicks`. */
function cancelBody(name: string): Record<string, unknown> {
  return {
    output: `cancel-${name}.id`,
    outputs: { id: `cancel-${name}`, property: "id" },
    inputs: [{ id: `cancel-${name}`, property: "n_clicks", value: 1 }],
    changedPropIds: [`cancel-${name}.n_clicks`],
  };
}

describe("names a request chooses are looked up as own properties only", () => {
  it("prototype member names as changed props reach no callback as inputs", async () => {
    const normal = await client.update({ ...echo(1), changedPropIds: PROTO_NAMES });
    expect(normal.status).toBe(200);
    const handles = await start("a", 1);
    const { polls } = await client.runJob({ ...body("ctx-out", "ctx-in", 2), changedPropIds: PROTO_NAMES });
    expect(polls.at(-1)).toEqual({
      status: 200,
      body: {
        multi: true,
        response: { "ctx-out": { children: { triggered: [], inputs: ["ctx-in.value"], types: ["number"] } } },
      },
    });
    expect((await finish("a", handles)).status).toBe(200);
  });

  it("prototype member names as ids and props stay plain keys", async () => {
    for (const id of PROTO_NAMES) {
      const response = await client.update({
        output: "echo-out.children",
        outputs: { id, property: "children" },
        inputs: [{ id: { [id]: 1 }, property: id, value: id }],
        state: [{ id, property: "value", value: 1 }],
        changedPropIds: [`${id}.${id}`],
      });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain(`"response":{"${id}":{"children":"string:`);
    }
  });

  it("an unknown callback named after a prototype member → 400 naming the output", async () => {
    for (const output of PROTO_NAMES) {
      const response = await client.update({ ...body("echo-out", "echo-in", 1), output });
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(`No callback is registered for output "${output}"`);
    }
  });

  it("fields inherited through __proto__ are not fields", async () => {
    const text = `{"__proto__": ${JSON.stringify(echo(1))}}`;
    const response = await client.update(text);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("`output`");
  });
});

describe("the JSON depth limit", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
  const withValue = (raw: string) => JSON.stringify(echo("@")).replace('"@"', raw);

  it("accepts a body nested up to maxJsonDepth (64), brackets inside strings not counted", async () => {
    // The body, `inputs` and the dependency are 3 levels: 61 more reach the limit.
    expect((await client.update(withValue(nested(61)))).status).toBe(200);
    expect((await client.update(withValue(JSON.stringify("[".repeat(10_000))))).status).toBe(200);
  });

  for (const depth of [62, 3_000, 100_000]) {
    it(`refuses ${depth + 3} levels with 400 naming the limit`, async () => {
      const before = calls.normal;
      const response = await client.update(withValue(nested(depth)));
      expect(response.status).toBe(400);
      expect(await response.text()).toBe("Malformed request: the body nests JSON deeper than 64 levels (maxJsonDepth)");
      expect(calls.normal).toBe(before);
    });
  }

  it("maxJsonDepth and backendOutageMs are validated", () => {
    for (const options of [
      { maxJsonDepth: 0 },
      { maxJsonDepth: 1.5 },
      { backendOutageMs: -1 },
      { backendOutageMs: "1" },
    ]) {
      expect(() => new Dash(options as never)).toThrow(
        expect.objectContaining({
          code: "INVALID_ARGUMENT",
          message: expect.stringMatching(/Expected `(maxJsonDepth|backendOutageMs)`/),
        }),
      );
    }
  });
});

describe("only JSON starts work", () => {
  const post = (type: string | undefined) =>
    fetch(`${client.base}_dash-update-component?endId=${client.endId}`, {
      method: "POST",
      headers: type === undefined ? {} : { "Content-Type": type },
      body: JSON.stringify(echo("x")),
    });

  for (const type of [
    "text/plain",
    "text/plain; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=b",
    "application/jsonx",
    "application/json-patch+json",
    "",
  ]) {
    it(`Content-Type ${JSON.stringify(type)} → 415, the callback does not run`, async () => {
      const before = calls.normal;
      const response = await post(type);
      expect(response.status).toBe(415);
      expect(await response.text()).toContain("application/json");
      expect(calls.normal).toBe(before);
    });
  }

  for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON ; charset=UTF-8"]) {
    it(`Content-Type ${JSON.stringify(type)} runs the callback`, async () => {
      const before = calls.normal;
      expect((await post(type)).status).toBe(200);
      expect(calls.normal).toBe(before + 1);
    });
  }
});

describe("handles are bound to their page load and their callback", () => {
  it("polling a callback with another callback's handles → 403, in every mix", async () => {
    const [a, b] = await Promise.all([start("a", "wait"), start("b", "wait")]);
    const poll = (handles: Handles) => client.poll(body("bg-a-out", "bg-a-in", null), handles);
    for (const handles of [b, { cacheKey: a.cacheKey, job: b.job }, { cacheKey: b.cacheKey, job: a.job }]) {
      const response = await poll(handles as Handles);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain("not issued for this callback on this page load");
    }
    expect((await poll(a)).status).toBe(200);
    // A job's handles are no cancel handle of an unrelated callback; the right cancel input stops it.
    for (const [other, job] of [
      ["b", a.job],
      ["a", b.job],
    ] as const) {
      expect((await client.update(cancelBody(other), { cancelJob: job as string })).status).toBe(204);
    }
    expect((await poll(a)).status).toBe(200);
    expect((await client.update(cancelBody("a"), { cancelJob: a.job as string })).status).toBe(204);
    expect((await client.update(cancelBody("b"), { cancelJob: b.job as string })).status).toBe(204);
    expect((await finish("a", a)).status).toBe(204);
    expect((await finish("b", b)).status).toBe(204);
  });

  it("oldJob cancels only a run of the same callback", async () => {
    const b = await start("b", "wait");
    const replacement = await start("a", "again", { oldJob: b.job as string });
    expect((await finish("a", replacement)).text).toContain("a string:7");
    const stillRunning = await client.poll(body("bg-b-out", "bg-b-in", null), b);
    expect(stillRunning.status).toBe(200);
    expect(await stillRunning.json()).toEqual({ multi: true });
    // Both workers busy now: the second run gets one only because its oldJob stops the first.
    const a = await start("a", "wait");
    const second = await start("a", "again", { oldJob: a.job as string });
    expect((await finish("a", a)).status).toBe(204);
    expect((await finish("a", second)).text).toContain("a string:7");
    await client.update(cancelBody("b"), { cancelJob: b.job as string });
    expect((await finish("b", b)).status).toBe(204);
  });

  it("handles replayed on another page load are refused, their cancel ignored", async () => {
    const a = await start("a", "wait");
    const other = new DashClient(client.base);
    await other.loadPage();
    const replay = await other.poll(body("bg-a-out", "bg-a-in", null), a);
    expect(replay.status).toBe(403);
    expect((await other.update(cancelBody("a"), { cancelJob: a.job as string })).status).toBe(204);
    const poll = await client.poll(body("bg-a-out", "bg-a-in", null), a);
    expect(await poll.json()).toEqual({ multi: true });
    await client.update(cancelBody("a"), { cancelJob: a.job as string });
    expect((await finish("a", a)).status).toBe(204);
  });
});

describe("every rejection is a 4xx that names what is wrong", () => {
  const cases: [string, unknown, Record<string, string>, number, string][] = [
    ["no output", { inputs: [] }, {}, 400, "`output`"],
    ["inputs not a list", { output: "echo-out.children", inputs: {} }, {}, 400, "`inputs`"],
    ["state not a list", { ...body("echo-out", "echo-in", 1), state: 1 }, {}, 400, "`state`"],
    ["outputs malformed", { ...echo(1), outputs: 1 }, {}, 400, "`outputs`"],
    ["outputs missing", { ...echo(1), outputs: undefined }, {}, 400, "`outputs`"],
    [
      "outputs of the wrong length",
      {
        ...body("pair-a", "pair-in", 1),
        output: "..pair-a.children...pair-b.children..",
        outputs: [{ id: "pair-a", property: "children" }],
      },
      {},
      400,
      "`outputs`",
    ],
    [
      "changedPropIds malformed",
      { ...body("echo-out", "echo-in", 1), changedPropIds: [1] },
      {},
      400,
      "`changedPropIds`",
    ],
    ["the wrong number of inputs", { ...echo(1), inputs: [] }, {}, 400, "takes 1 inputs"],
    ["a forged endId", echo(1), { endId: "abc.def" }, 400, "endId"],
    ["a forged handle", body("bg-a-out", "bg-a-in", 1), { cacheKey: "a.b", job: "a.b" }, 403, "handle"],
  ];
  for (const [name, payload, query, status, field] of cases) {
    it(name, async () => {
      const via = new DashClient(client.base);
      via.endId = query.endId ?? client.endId;
      const { endId: _, ...rest } = query;
      const response = await via.update(payload, rest);
      expect(response.status).toBe(status);
      expect(await response.text()).toContain(field);
    });
  }
});
