import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QueueManager } from "../../managers/queue/index.js";
import { Dash, type RunningApp } from "../../src/index.js";
import { cliEntry, Proc } from "../managers/queue/processes.js";
import { deleteKeys, freePort, redisUrl, uniqueName } from "../managers/queue/redis.js";
import { DashClient } from "../server/http.js";
import { expectCounts, runScenario } from "./scenario.js";
import { Scrape } from "./scrape.js";

const fixture = fileURLToPath(new URL("../fixtures/metrics-queue-app.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "bgcb-metrics-queue-"));
const url = await redisUrl();
const prefix = uniqueName("metrics");
const env = { REDIS_URL: url, QUEUE_PREFIX: prefix, QUEUE_NAME: "metrics" };
Object.assign(process.env, env);
const { app } = await import("../fixtures/metrics-queue-app.js");

let client: DashClient;
let running: RunningApp;
let worker: Proc;
let workerMetrics: string;

/** Starts `background-callbacks worker` on the fixture; resolves with its metrics URL. */
async function startWorker(args: readonly string[]): Promise<{ proc: Proc; metrics: string }> {
  const proc = new Proc([cliEntry, "worker", fixture, ...args], env);
  const line = await proc.waitForLine("the metrics server", (l) => l.event === "worker.metrics", 30_000);
  await proc.waitForLine("the worker to start", (l) => l.event === "worker.started", 30_000);
  return { proc, metrics: String(line.url) };
}

/** Runs the CLI to its exit. */
async function cli(args: readonly string[]) {
  const proc = new Proc([cliEntry, ...args], env);
  const { code } = await proc.exited;
  return { code, stdout: proc.lines.join("\n"), stderr: proc.stderr };
}

beforeAll(async () => {
  ({ client, running } = await DashClient.start(app));
  ({ proc: worker, metrics: workerMetrics } = await startWorker(["--metrics-port", "0"]));
}, 60_000);

afterAll(async () => {
  await worker?.stop("SIGKILL");
  await running?.close();
  await deleteKeys(url, `${prefix}*`);
});

describe("metrics of a QueueManager app and of its CLI worker (--metrics-port)", () => {
  it("the worker counts starts and ends, the web process submits and the queue's gauges, exactly", async () => {
    expect(workerMetrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const at = { web: `${running.url}_dash-metrics`, jobs: workerMetrics, manager: "QueueManager" };
    const observed = await runScenario(client, dir, at);
    expectCounts(observed, "QueueManager", false);
    // Each kind of metric lives where its events happen.
    expect(observed.after.web.sum("background_callbacks_jobs_started_total")).toBe(0);
    expect(observed.after.jobs.has("background_callbacks_jobs_submitted_total")).toBe(false);
    expect(observed.after.web.value("background_callbacks_live_workers", { manager: "QueueManager" })).toBe(1);
  }, 120_000);

  it("the worker's server answers only /metrics, and closes when the worker stops", async () => {
    const base = workerMetrics.replace(/\/metrics$/, "");
    expect((await fetch(`${base}/other`)).status).toBe(404);
    const post = await fetch(workerMetrics, { method: "POST" });
    expect(post.status).toBe(405);
    const head = await fetch(workerMetrics, { method: "HEAD" });
    expect(head.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    worker.child.kill("SIGTERM");
    expect((await worker.exited).code).toBe(0);
    await expect(fetch(workerMetrics)).rejects.toThrow();
  }, 60_000);

  it("a backend that cannot be reached does not fail the scrape: inspect_up 0 and an error counted", async () => {
    const down = new QueueManager({ connection: `redis://127.0.0.1:${await freePort()}`, prefix });
    const app = new Dash({ backgroundCallbackManager: down, metrics: { inspectTimeoutMs: 500 } });
    try {
      for (const expected of [1, 2]) {
        const response = await app.fetch(new Request("http://localhost/_dash-metrics"));
        expect(response.status).toBe(200);
        const scrape = new Scrape(await response.text());
        expect(scrape.value("background_callbacks_inspect_up", { manager: "QueueManager" })).toBe(0);
        expect(scrape.value("background_callbacks_inspect_errors_total", { manager: "QueueManager" })).toBe(expected);
        expect(scrape.has("background_callbacks_queue_depth")).toBe(false);
      }
    } finally {
      await down.close();
    }
  }, 60_000);

  it("--help documents the flags; bad --metrics-port / --metrics-host values exit 2; a port in use exits 1 and says so", async () => {
    const cases: [string[], RegExp][] = [
      [["--metrics-port", "70000"], /--metrics-port to be an integer from 0 to 65535, got "70000"/],
      [["--metrics-port", "http"], /--metrics-port to be an integer/],
      [["--metrics-host", "0.0.0.0"], /--metrics-host needs --metrics-port/],
      [["--metrics-port", "9464", "--metrics-host", "a b"], /--metrics-host to be a host name or an IP address/],
    ];
    const help = await cli(["--help"]);
    expect(help.stdout).toMatch(/--metrics-port N {8}Serve Prometheus metrics/);
    expect(help.stdout).toContain("--metrics-host HOST     The address of the metrics server (default: 127.0.0.1");
    const results = await Promise.all(cases.map(([args]) => cli(["worker", fixture, ...args])));
    results.forEach((result, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
    });
    const busy = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => busy.once("listening", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const taken = await cli(["worker", fixture, "--metrics-port", String(port)]);
      expect(taken.code).toBe(1);
      expect(taken.stderr).toContain(`Cannot serve metrics on 127.0.0.1:${port} (--metrics-port)`);
      expect(taken.stderr).toContain("EADDRINUSE");
    } finally {
      busy.close();
    }
  }, 60_000);
});
