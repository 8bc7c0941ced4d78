import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dash, Input, Output, type RunningApp } from "../../src/index.js";
import { MemoryManager } from "../../src/testing/index.js";
import { DashClient } from "../server/http.js";
import { expectCounts, OK, runScenario } from "./scenario.js";
import { Scrape } from "./scrape.js";

const dir = mkdtempSync(join(tmpdir(), "bgcb-metrics-disk-"));
process.env.METRICS_DISK_DB = join(dir, "jobs.sqlite");
const { app } = await import("../fixtures/metrics-disk-app.js");

let client: DashClient;
let running: RunningApp;
let metricsUrl: string;

beforeAll(async () => {
  ({ client, running } = await DashClient.start(app));
  metricsUrl = `${running.url}_dash-metrics`;
});

afterAll(async () => {
  await running?.close();
});

describe("metrics of a DiskManager app, scraped over HTTP during a run", () => {
  it("count exactly what happened: submits, starts, ends by outcome, durations and waits; gauges show queued and running jobs", async () => {
    const before = await Scrape.of(metricsUrl);
    expect(before.sum("background_callbacks_jobs_submitted_total", { callback: OK })).toBe(0);
    expect(before.value("background_callbacks_inspect_up", { manager: "DiskManager" })).toBe(1);
    // The pool runs in the web process: one endpoint has it all.
    const at = { web: metricsUrl, jobs: metricsUrl, manager: "DiskManager" };
    expectCounts(await runScenario(client, dir, at), "DiskManager", true);
  });

  it("is Prometheus text with its content type; HEAD has no body; other methods are refused", async () => {
    const get = await fetch(metricsUrl);
    expect(get.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await get.text()).toContain("# TYPE background_callbacks_jobs_ended_total counter");
    const head = await fetch(metricsUrl, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const post = await fetch(metricsUrl, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });
});

describe("the metrics option", () => {
  it("is off by default: the route answers 404", async () => {
    const off = await new Dash({}).fetch(new Request("http://localhost/_dash-metrics"));
    expect(off.status).toBe(404);
  });

  it("serves at a chosen path under the routes prefix", async () => {
    const app = new Dash({ metrics: { path: "metrics", defaultMetrics: false }, routesPathnamePrefix: "/dash/" });
    const served = await app.fetch(new Request("http://localhost/dash/metrics"));
    expect(served.status).toBe(200);
    expect(await served.text()).toContain("background_callbacks_jobs_started_total");
    expect((await app.fetch(new Request("http://localhost/dash/_dash-metrics"))).status).toBe(404);
  });

  it("labels each manager of the app by its class, a second one of a class with _2", async () => {
    const perCallback = new MemoryManager();
    const app = new Dash({ backgroundCallbackManager: new MemoryManager(), metrics: { defaultMetrics: false } });
    app.callback(
      {
        output: Output("own-out", "children"),
        inputs: Input("own-in", "value"),
        background: true,
        manager: perCallback,
      },
      () => "own",
    );
    const scrape = new Scrape(await (await app.fetch(new Request("http://localhost/_dash-metrics"))).text());
    for (const manager of ["MemoryManager", "MemoryManager_2"]) {
      expect(scrape.value("background_callbacks_inspect_up", { manager }), manager).toBe(1);
      expect(scrape.value("background_callbacks_queue_depth", { manager }), manager).toBe(0);
    }
    await Promise.all((await app.managers()).map((manager) => manager.close()));
  });

  it("bad values are refused with a message that names them", () => {
    const cases: [unknown, RegExp][] = [
      ["yes", /Expected `metrics` to be a boolean or an object, got `"yes"` \(string\)/],
      [{ path: "/metrics" }, /Expected `metrics.path` to be a path .* got `"\/metrics"`/],
      [{ path: "_dash-layout" }, /not a Dash route, got `"_dash-layout"`/],
      [{ path: "a b" }, /metrics.path/],
      [{ port: 9464 }, /Unknown `metrics` option `port`/],
      [{ defaultMetrics: "no" }, /Expected `metrics.defaultMetrics` to be a boolean/],
      [{ inspectTimeoutMs: 0 }, /Expected `metrics.inspectTimeoutMs` to be an integer from 1 to 60000, got `0`/],
    ];
    for (const [metrics, message] of cases) {
      expect(() => new Dash({ metrics: metrics as boolean }), JSON.stringify(metrics)).toThrow(message);
    }
  });
});
