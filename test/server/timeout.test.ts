import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callback, Input, Output, type RunningApp } from "../../src/index.js";
import { app } from "../fixtures/timeout-app.js";
import { body, DashClient } from "./http.js";

let client: DashClient;
let running: RunningApp;

beforeAll(async () => {
  ({ client, running } = await DashClient.start(app));
});

afterAll(async () => {
  await running.close();
});

describe("a background callback's timeoutMs", () => {
  it("a run past the limit ends with an error that says so; the page gets it", async () => {
    const { polls } = await client.runJob(body("limited", "limited-run", 20_000));
    const last = polls.at(-1);
    expect(last?.status).toBe(500);
    expect(String(last?.body)).toContain("The job timed out after 0.5 s");
  });

  it("a run within the limit ends with its result, and the next run too (the slot was replaced)", async () => {
    for (const ms of [10, 20]) {
      const { first, polls } = await client.runJob(body("limited", "limited-run", ms));
      const answer = polls.at(-1)?.body ?? first;
      expect(answer).toMatchObject({ response: { limited: { children: `slept ${ms} ms` } } });
    }
  });

  it("is validated at registration and refused on normal callbacks", () => {
    const define = (timeoutMs: unknown, background: boolean) => () =>
      callback(
        {
          output: Output(`t-${String(timeoutMs)}-${background}`, "children"),
          inputs: Input("t-in", "value"),
          ...(background ? { background: true } : {}),
          timeoutMs: timeoutMs as number,
        },
        () => "x",
      );
    expect(define(0, true)).toThrow(/timeoutMs/);
    expect(define(1.5, true)).toThrow(/timeoutMs/);
    expect(define(1000, false)).toThrow(/background callbacks only/);
  });
});
