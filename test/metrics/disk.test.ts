import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dash, type RunningApp } from "../../src/index.js";
import { waitFor } from "../managers/queue/processes.js";
import { body, DashClient } from "../server/http.js";
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

const OK = "ok-out.children";
const FAIL = "fail-out.children";
const HOLD = "hold-out.children";
const DISK = { manager: "DiskManager" };

/** Starts a job of the hold callback: it runs until `gate` exists or it is cancelled. */
async function startHold(gate: string): Promise<Record<string, unknown>> {
  return (await (await client.update(body("hold-out", "hold-in", gate))).json()) as Record<string, unknown>;
}

/** The hidden cancel callback's request, as the renderer sends it for the cancel button. */
async function cancel(first: Record<string, unknown>): Promise<void> {
  const response = await client.update(
    {
      output: "cancel-btn.id",
      outputs: { id: "cancel-btn", property: "id" },
      inputs: [{ id: "cancel-btn", property: "n_clicks", value: 1 }],
      changedPropIds: ["cancel-btn.n_clicks"],
    },
    { cancelJob: String(first.job) },
  );
  expect(response.status).toBe(204);
}

const scrapeUntil = (what: string, check: (scrape: Scrape) => boolean) =>
  waitFor(
    what,
    async () => {
      const scrape = await Scrape.of(metricsUrl);
      return check(scrape) && scrape;
    },
    30_000,
    50,
  );

describe("metrics of a DiskManager app, scraped over HTTP during a run", () => {
  it("count exactly what happened: submits, starts, ends by outcome, durations and waits; gauges show queued and running jobs", async () => {
    const before = await Scrape.of(metricsUrl);
    expect(before.value("background_callbacks_jobs_submitted_total", { callback: OK })).toBe(0);
    expect(before.value("background_callbacks_inspect_up", DISK)).toBe(1);

    for (const value of ["a", "b", "c"]) {
      const { polls, first } = await client.runJob(body("ok-out", "ok-in", value));
      expect(polls.at(-1)?.body ?? first).toMatchObject({ response: { "ok-out": { children: `ok ${value}` } } });
    }
    for (const value of ["a", "b"]) {
      const { polls } = await client.runJob(body("fail-out", "fail-in", value));
      expect(polls.at(-1)?.status).toBe(500);
    }

    // One job runs (held), two wait behind it (concurrency 1).
    const gates = [1, 2, 3].map((i) => join(dir, `gate-${i}`));
    const held = await startHold(gates[0] as string);
    await scrapeUntil(
      "the held job to start",
      (s) => s.value("background_callbacks_jobs_started_total", { callback: HOLD }) === 1,
    );
    const second = await startHold(gates[1] as string);
    const third = await startHold(gates[2] as string);
    const blocked = await Scrape.of(metricsUrl);
    expect(blocked.value("background_callbacks_queue_depth", DISK)).toBe(2);
    expect(blocked.value("background_callbacks_running_jobs", DISK)).toBe(1);
    expect(blocked.value("background_callbacks_pool_running_jobs", { callback: HOLD })).toBe(1);
    expect(blocked.value("background_callbacks_live_workers", DISK)).toBeGreaterThanOrEqual(1);
    expect(blocked.value("background_callbacks_oldest_running_job_seconds", DISK)).toBeGreaterThanOrEqual(0);
    expect(blocked.value("background_callbacks_jobs_submitted_total", { callback: HOLD, ...DISK })).toBe(3);

    // Cancel the last queued job, then the running one; release the second.
    await cancel(third);
    await cancel(held);
    await scrapeUntil(
      "the second held job to start",
      (s) => s.value("background_callbacks_jobs_started_total", { callback: HOLD }) === 2,
    );
    writeFileSync(gates[1] as string, "");
    const { polls } = await runPolls(second);
    expect(polls.at(-1)).toMatchObject({ response: { "hold-out": { children: `released ${gates[1]}` } } });

    const after = await scrapeUntil(
      "the queue to empty",
      (s) => s.value("background_callbacks_running_jobs", DISK) === 0,
    );
    const counts = (name: string, labels: Record<string, string>) => after.value(name, labels);
    expect(counts("background_callbacks_jobs_submitted_total", { callback: OK, ...DISK })).toBe(3);
    expect(counts("background_callbacks_jobs_submitted_total", { callback: FAIL, ...DISK })).toBe(2);
    expect(counts("background_callbacks_jobs_submitted_total", { callback: HOLD, ...DISK })).toBe(3);
    expect(counts("background_callbacks_jobs_started_total", { callback: OK })).toBe(3);
    expect(counts("background_callbacks_jobs_started_total", { callback: FAIL })).toBe(2);
    expect(counts("background_callbacks_jobs_started_total", { callback: HOLD })).toBe(2);
    expect(counts("background_callbacks_jobs_ended_total", { callback: OK, outcome: "result" })).toBe(3);
    expect(counts("background_callbacks_jobs_ended_total", { callback: FAIL, outcome: "error" })).toBe(2);
    expect(counts("background_callbacks_jobs_ended_total", { callback: HOLD, outcome: "cancelled" })).toBe(2);
    expect(counts("background_callbacks_jobs_ended_total", { callback: HOLD, outcome: "result" })).toBe(1);
    expect(after.sum("background_callbacks_jobs_ended_total")).toBe(8);
    // Durations for the jobs that started (the queued job cancelled never did); waits for every start.
    expect(counts("background_callbacks_job_duration_seconds_count", { callback: HOLD, outcome: "cancelled" })).toBe(1);
    expect(counts("background_callbacks_job_duration_seconds_count", { callback: HOLD, outcome: "result" })).toBe(1);
    expect(after.sum("background_callbacks_job_duration_seconds_count")).toBe(7);
    expect(after.sum("background_callbacks_job_queue_wait_seconds_count")).toBe(7);
    expect(counts("background_callbacks_pool_running_jobs", { callback: HOLD })).toBe(0);
    expect(counts("background_callbacks_queue_depth", DISK)).toBe(0);
    expect(counts("background_callbacks_lost_jobs_last_hour", DISK)).toBe(0);
    // Every first request of a background callback is timed, and so is every poll.
    expect(after.sum("background_callbacks_poll_duration_seconds_count", { kind: "start" })).toBe(8);
    expect(after.sum("background_callbacks_poll_duration_seconds_count", { kind: "poll" })).toBeGreaterThan(0);
    expect(
      counts("background_callbacks_http_requests_total", { route: "update", status: "5xx" }),
    ).toBeGreaterThanOrEqual(2);
    expect(after.has("process_cpu_user_seconds_total")).toBe(true);
    expect(after.has("nodejs_eventloop_lag_seconds")).toBe(true);
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

/** Polls a started job to its end. */
function runPolls(first: Record<string, unknown>) {
  return (async () => {
    const polls: unknown[] = [];
    for (;;) {
      const response = await client.poll(body("hold-out", "hold-in", null), first);
      const parsed = (await response.json()) as Record<string, unknown>;
      polls.push(parsed);
      if (parsed.response !== undefined) return { polls };
    }
  })();
}
