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

describe("pages and JSON endpoints", () => {
  it("the index page boots the renderer with a signed end_id per page load", async () => {
    const response = await fetch(client.base);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain('<div id="react-entry-point">');
    expect(html).toContain("var renderer = new DashRenderer();");
    expect(html).toMatch(/<script src="[^"]*dash_renderer[^"]*"><\/script>/);
    const config = await client.loadPage();
    expect(config).toMatchObject({ requests_pathname_prefix: "/", disable_version_check: true, serve_locally: true });
    const first = client.endId;
    await client.loadPage();
    expect(client.endId).not.toBe(first);
    expect(client.endId).toMatch(/^[\w-]+\.[\w-]+$/);
  });

  it("layout and dependencies are JSON with the right content type", async () => {
    const layout = await fetch(`${client.base}_dash-layout`);
    expect(layout.headers.get("content-type")).toContain("application/json");
    expect(await layout.json()).toMatchObject({ type: "Div", namespace: "dash_html_components" });
    const deps = (await (await fetch(`${client.base}_dash-dependencies`)).json()) as Record<string, unknown>[];
    const run = deps.find((dep) => dep.output === "out.children");
    expect(run).toMatchObject({
      inputs: [{ id: "run", property: "n_clicks" }],
      background: { interval: 100 },
      running: { running: { "run.disabled": true }, runningOff: { "run.disabled": false } },
      prevent_initial_call: false,
    });
    const cancels = deps.filter((dep) => dep.output === "cancel-btn.id");
    expect(cancels).toHaveLength(1);
    expect(cancels[0]).toMatchObject({ prevent_initial_call: true, background: null, hidden: true });
    expect(deps.find((dep) => dep.output === "normal-out.children")).toMatchObject({
      background: null,
      state: [{ id: "normal-state", property: "value" }],
    });
  });
});

describe("normal callbacks", () => {
  it("answer with the outputs and the side updates", async () => {
    const response = await client.update({
      ...body("normal-out", "normal-in", "a"),
      state: [{ id: "normal-state", property: "value", value: "b" }],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      multi: true,
      response: { "normal-out": { children: "a/b" } },
      sideUpdate: { "normal-side": { children: "side a" } },
    });
  });

  it("PreventUpdate is a 204", async () => {
    expect((await client.update(body("prevent-out", "prevent-in", 1))).status).toBe(204);
  });

  it("a throwing callback is a 500 with its message; a wrongly shaped return says so", async () => {
    const broken = await client.update(body("broken-out", "broken-in", 1));
    expect(broken.status).toBe(500);
    expect(await broken.text()).toContain("normal callback broke");
    const wrong = await client.update({
      output: "..wrong-a.children...wrong-b.children..",
      outputs: [
        { id: "wrong-a", property: "children" },
        { id: "wrong-b", property: "children" },
      ],
      inputs: [{ id: "wrong-in", property: "value", value: 1 }],
    });
    expect(wrong.status).toBe(500);
    expect(await wrong.text()).toContain("InvalidCallbackReturnValue");
  });
});

describe("bad requests get a clear 4xx, never a crash or a hang", () => {
  it.each([
    ["not JSON", "{nope", 400, /not JSON/],
    ["a JSON list", "[1]", 400, /JSON object/],
    ["no output", JSON.stringify({ inputs: [] }), 400, /`output`/],
    ["inputs not a list", JSON.stringify({ output: "normal-out.children", inputs: 3 }), 400, /`inputs`/],
    ["an unknown callback", JSON.stringify(body("nope", "nope", 1)), 400, /No callback is registered/],
    [
      "the wrong number of inputs",
      JSON.stringify({ ...body("normal-out", "normal-in", 1), inputs: [] }),
      400,
      /takes 1 inputs/,
    ],
  ])("%s gets the status and message it should", async (_name, text, status, message) => {
    const response = await client.update(text);
    expect(response.status).toBe(status);
    expect(await response.text()).toMatch(message);
  });

  it("an oversized body → 413", async () => {
    const big = JSON.stringify({ ...body("normal-out", "normal-in", "x".repeat(2_000_000)) });
    const response = await client.update(big);
    expect(response.status).toBe(413);
  });

  it("GET on the update endpoint → 405; unknown _dash paths → 404", async () => {
    expect((await fetch(`${client.base}_dash-update-component`)).status).toBe(405);
    expect((await fetch(`${client.base}_dash-nothing`)).status).toBe(404);
  });

  it("the server keeps serving after all of that", async () => {
    expect((await client.update(body("fast-out", "fast-in", "ok"))).status).toBe(200);
  });
});
