import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApp } from "../../src/index.js";
import { Dash } from "../../src/index.js";
import { app } from "../fixtures/on-error-app.js";
import { body, DashClient } from "./http.js";

let client: DashClient;
let running: RunningApp;

beforeAll(async () => {
  ({ client, running } = await DashClient.start(app));
});

afterAll(async () => {
  await running.close();
});

describe("onError (Dash's on_error)", () => {
  it("a background callback's own handler turns its error into outputs and side updates", async () => {
    const { first, polls } = await client.runJob(body("own-out", "own-in", 1));
    const last = (polls.at(-1)?.body ?? first) as Record<string, unknown>;
    expect(last).toMatchObject({
      multi: true,
      response: { "own-out": { children: "handled: the job broke" } },
      sideUpdate: { status: { children: "callback: BackgroundCallbackError" } },
    });
  });

  it("the app's handler serves callbacks without one; returning nothing leaves the outputs", async () => {
    const { first, polls } = await client.runJob(body("global-out", "global-in", 1));
    const last = (polls.at(-1)?.body ?? first) as Record<string, unknown>;
    expect(last).toMatchObject({
      multi: true,
      response: {},
      sideUpdate: { "global-status": { children: "global: another job broke" } },
    });
  });

  it("works for normal callbacks too", async () => {
    const response = await client.update(body("normal-out", "normal-in", 1));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      multi: true,
      response: {},
      sideUpdate: { "global-status": { children: "global: a normal callback broke" } },
    });
  });

  it("a handler that throws is reported like the callback's own error", async () => {
    const response = await client.update(body("rethrow-out", "rethrow-in", 1));
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("the handler broke too (first)");
  });

  it("refuses an onError that is not a function", () => {
    expect(() => new Dash({ onError: "log" as never })).toThrow(/`onError` to be a function/);
  });
});
