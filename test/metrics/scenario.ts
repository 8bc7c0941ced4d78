/**
 * The run the metrics tests scrape: 3 jobs that return, 2 that throw, and 3 held jobs (one runs,
 * two wait behind it at concurrency 1) of which the last queued one and then the running one are
 * cancelled, and the one left is released.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { waitFor } from "../managers/queue/processes.js";
import { body, type DashClient } from "../server/http.js";
import { Scrape } from "./scrape.js";

export const OK = "ok-out.children";
export const FAIL = "fail-out.children";
export const HOLD = "hold-out.children";

/** Scrapes `url` until `check` passes; returns that scrape. */
export function scrapeUntil(url: string, what: string, check: (scrape: Scrape) => boolean): Promise<Scrape> {
  return waitFor(
    what,
    async () => {
      const scrape = await Scrape.of(url);
      return check(scrape) && scrape;
    },
    30_000,
    50,
  );
}

/** Where the run is scraped: the web process's endpoint, and the one of the process that runs the jobs. */
export interface Endpoints {
  readonly web: string;
  readonly jobs: string;
  /** The `manager` label of the app's manager. */
  readonly manager: string;
}

/** What the scrapes showed while held jobs were blocked, and after the run. */
export interface Observed {
  readonly blocked: { readonly web: Scrape; readonly jobs: Scrape };
  readonly after: { readonly web: Scrape; readonly jobs: Scrape };
}

export async function runScenario(client: DashClient, dir: string, at: Endpoints): Promise<Observed> {
  const started = (s: Scrape) => s.sum("background_callbacks_jobs_started_total", { callback: HOLD });
  for (const value of ["a", "b", "c"]) {
    const { polls, first } = await client.runJob(body("ok-out", "ok-in", value));
    expect(polls.at(-1)?.body ?? first).toMatchObject({ response: { "ok-out": { children: `ok ${value}` } } });
  }
  for (const value of ["a", "b"]) {
    const end = await failedRun(client, body("fail-out", "fail-in", value));
    expect(end).toMatchObject({ status: 500, text: expect.stringContaining("this job fails on purpose") });
  }

  const gates = [1, 2, 3].map((i) => join(dir, `gate-${i}`));
  const held = await startHold(client, gates[0] as string);
  await scrapeUntil(at.jobs, "the first held job to start", (s) => started(s) === 1);
  const second = await startHold(client, gates[1] as string);
  const third = await startHold(client, gates[2] as string);
  const blocked = { web: await Scrape.of(at.web), jobs: await Scrape.of(at.jobs) };

  await cancel(client, third);
  await cancel(client, held);
  await scrapeUntil(at.jobs, "the second held job to start", (s) => started(s) === 2);
  writeFileSync(gates[1] as string, "");
  expect(await pollToEnd(client, second)).toMatchObject({
    response: { "hold-out": { children: `released ${gates[1]}` } },
  });
  const labels = { manager: at.manager };
  const web = await scrapeUntil(
    at.web,
    "no job to run",
    (s) => s.value("background_callbacks_running_jobs", labels) === 0,
  );
  return { blocked, after: { web, jobs: await Scrape.of(at.jobs) } };
}

/**
 * Runs a failing job to its error, which comes in the first response when the job is that fast
 * (`firstResponseWaitMs: 0` still takes once), else in a poll.
 */
async function failedRun(
  client: DashClient,
  request: Record<string, unknown>,
): Promise<{ status: number; text: string }> {
  const response = await client.update(request);
  if (response.status !== 200) return { status: response.status, text: await response.text() };
  const first = (await response.json()) as Record<string, unknown>;
  for (;;) {
    const poll = await client.poll(request, first);
    if (poll.status !== 200) return { status: poll.status, text: await poll.text() };
    await poll.text();
  }
}

/** Starts a held job: it runs until `gate` exists or it is cancelled. */
async function startHold(client: DashClient, gate: string): Promise<Record<string, unknown>> {
  return (await (await client.update(body("hold-out", "hold-in", gate))).json()) as Record<string, unknown>;
}

/** The hidden cancel callback's request, as the renderer sends it for the cancel button. */
async function cancel(client: DashClient, first: Record<string, unknown>): Promise<void> {
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

/** Polls a held job to its answer. */
async function pollToEnd(client: DashClient, first: Record<string, unknown>): Promise<Record<string, unknown>> {
  for (;;) {
    const response = await client.poll(body("hold-out", "hold-in", null), first);
    const parsed = (await response.json()) as Record<string, unknown>;
    if (parsed.response !== undefined) return parsed;
  }
}

/**
 * The counts both managers must show. `queuedCancelReachesPool`: whether the queued job that was
 * cancelled was in the pool (DiskManager) or still in Redis (QueueManager: it never reaches a worker).
 */
export function expectCounts({ blocked, after }: Observed, manager: string, queuedCancelReachesPool: boolean): void {
  const m = { manager };
  expect(blocked.web.value("background_callbacks_queue_depth", m)).toBe(2);
  expect(blocked.web.value("background_callbacks_running_jobs", m)).toBe(1);
  expect(blocked.web.value("background_callbacks_live_workers", m)).toBeGreaterThanOrEqual(1);
  expect(blocked.web.value("background_callbacks_inspect_up", m)).toBe(1);
  expect(blocked.web.value("background_callbacks_jobs_submitted_total", { callback: HOLD, ...m })).toBe(3);
  expect(blocked.jobs.value("background_callbacks_pool_running_jobs", { callback: HOLD })).toBe(1);

  const { web, jobs } = after;
  for (const [callback, count] of [
    [OK, 3],
    [FAIL, 2],
    [HOLD, 3],
  ] as const) {
    expect(web.value("background_callbacks_jobs_submitted_total", { callback, ...m }), callback).toBe(count);
  }
  for (const [callback, count] of [
    [OK, 3],
    [FAIL, 2],
    [HOLD, 2],
  ] as const) {
    expect(jobs.value("background_callbacks_jobs_started_total", { callback }), callback).toBe(count);
  }
  const ended = (callback: string, outcome: string) =>
    jobs.value("background_callbacks_jobs_ended_total", { callback, outcome });
  expect(ended(OK, "result")).toBe(3);
  expect(ended(FAIL, "error")).toBe(2);
  expect(ended(HOLD, "result")).toBe(1);
  expect(ended(HOLD, "cancelled")).toBe(queuedCancelReachesPool ? 2 : 1);
  expect(jobs.sum("background_callbacks_jobs_ended_total")).toBe(queuedCancelReachesPool ? 8 : 7);
  // A duration for each job that started (the queued job cancelled never did), a wait for each start.
  const durations = (callback: string, outcome: string) =>
    jobs.value("background_callbacks_job_duration_seconds_count", { callback, outcome });
  expect(durations(HOLD, "cancelled")).toBe(1);
  expect(durations(HOLD, "result")).toBe(1);
  expect(jobs.sum("background_callbacks_job_duration_seconds_count")).toBe(7);
  expect(jobs.sum("background_callbacks_job_queue_wait_seconds_count")).toBe(7);
  expect(jobs.value("background_callbacks_pool_running_jobs", { callback: HOLD })).toBe(0);
  expect(web.value("background_callbacks_queue_depth", m)).toBe(0);
  expect(web.value("background_callbacks_lost_jobs_last_hour", m)).toBe(0);
  // Every first request of a background callback is timed, and every poll.
  expect(web.sum("background_callbacks_poll_duration_seconds_count", { kind: "start" })).toBe(8);
  expect(web.sum("background_callbacks_poll_duration_seconds_count", { kind: "poll" })).toBeGreaterThan(0);
  expect(web.value("background_callbacks_http_requests_total", { route: "update", status: "5xx" })).toBe(2);
  for (const scrape of [web, jobs]) expect(scrape.has("process_cpu_user_seconds_total")).toBe(true);
}
