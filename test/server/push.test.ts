import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  type BackgroundCallbackManager,
  callback,
  Dash,
  Input,
  type JobOutcome,
  type JobRequest,
  type JobState,
  type JobUpdate,
  Output,
  type RunningApp,
} from "../../src/index.js";
import { body, DashClient } from "./http.js";

/** A manager whose jobs run nowhere: the test ends them. It counts takes and live watches. */
class PushManager implements BackgroundCallbackManager {
  readonly capabilities = Object.freeze({ caching: false, shared: false });
  readonly outcomes = new Map<string, JobOutcome | undefined>();
  readonly #waiters = new Map<string, Set<() => void>>();
  takes = 0;
  watches = 0;
  /** `"push"`: a working watch; `"broken"`: a watch that rejects; `"none"`: no watch at all. */
  constructor(mode: "push" | "broken" | "none") {
    if (mode === "none") this.watch = undefined;
    if (mode === "broken") this.watch = () => Promise.reject(new Error("the news channel is down"));
  }

  /** Ends a job and wakes its watchers, as a worker's news would. */
  end(jobId: string, outcome: JobOutcome): void {
    this.outcomes.set(jobId, outcome);
    for (const wake of this.#waiters.get(jobId) ?? []) wake();
  }

  watch: BackgroundCallbackManager["watch"] = (jobId, signal) =>
    new Promise<void>((resolve) => {
      const waiters = this.#waiters.get(jobId) ?? new Set<() => void>();
      this.#waiters.set(jobId, waiters);
      this.watches++;
      const done = () => {
        if (!waiters.delete(done)) return;
        this.watches--;
        signal.removeEventListener("abort", done);
        resolve();
      };
      waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });

  async submit(_job: JobRequest) {
    const jobId = randomUUID().replaceAll("-", "");
    this.outcomes.set(jobId, undefined);
    return { jobId };
  }
  async take(jobId: string): Promise<JobUpdate> {
    this.takes++;
    const outcome = this.outcomes.get(jobId);
    return outcome ? { outcome } : {};
  }
  async status(jobId: string): Promise<JobState> {
    if (!this.outcomes.has(jobId)) return "unknown";
    return this.outcomes.get(jobId) ? "done" : "running";
  }
  async cancel(): Promise<void> {}
  async close(): Promise<void> {}
}

callback(
  { output: Output("push-out", "children"), inputs: Input("push-in", "value"), background: true },
  (v: string) => v,
);

const run = body("push-out", "push-in", "x");
const started: RunningApp[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((running) => running.close()));
});

async function serve(manager: PushManager): Promise<DashClient> {
  const app = new Dash({ backgroundCallbackManager: manager, longPollMs: 10_000, firstResponseWaitMs: 0 });
  const running = (await app.run({ port: 0, host: "127.0.0.1" })) as RunningApp;
  started.push(running);
  const client = new DashClient(running.url);
  await client.loadPage();
  return client;
}

/** Starts a job, long-polls it, ends it after `afterMs` while the poll waits; the poll's answer and the takes it cost. */
async function endDuringPoll(mode: "push" | "broken" | "none", afterMs: number) {
  const manager = new PushManager(mode);
  const client = await serve(manager);
  const handles = (await (await client.update(run)).json()) as Record<string, string>;
  const jobId = (handles.job as string).split(".")[0] as string;
  const before = manager.takes;
  const polled = client.poll(run, handles);
  // The poll has taken once and waits: end the job a while into that wait.
  while (manager.takes === before) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  manager.end(jobId, { kind: "result", value: `done ${mode}` });
  const response = await polled;
  return { manager, status: response.status, text: await response.text(), takes: manager.takes - before };
}

describe("long polls wait on the manager's watch", () => {
  it("a result that lands while a poll waits is taken on the watch's word: one take before, one after", async () => {
    const { manager, status, text, takes } = await endDuringPoll("push", 600);
    expect(status).toBe(200);
    expect(text).toContain("done push");
    expect(takes).toBe(2);
    // Every watch the poll started has ended with it.
    expect(manager.watches).toBe(0);
  });

  it("without watch, the same poll asks take() again and again (the backing-off loop)", async () => {
    const { status, text, takes } = await endDuringPoll("none", 600);
    expect(status).toBe(200);
    expect(text).toContain("done none");
    expect(takes).toBeGreaterThan(3);
  });

  it("a watch that rejects falls back to polling: the result still arrives", async () => {
    const { status, text, takes } = await endDuringPoll("broken", 600);
    expect(status).toBe(200);
    expect(text).toContain("done broken");
    expect(takes).toBeGreaterThan(2);
  });

  it("a client that goes away ends the poll's watch", async () => {
    const manager = new PushManager("push");
    const client = await serve(manager);
    const handles = (await (await client.update(run)).json()) as Record<string, string>;
    const controller = new AbortController();
    const params = new URLSearchParams({
      endId: client.endId,
      cacheKey: handles.cacheKey ?? "",
      job: handles.job ?? "",
    });
    const polled = fetch(`${client.base}_dash-update-component?${params}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(run),
      signal: controller.signal,
    }).catch(() => "aborted");
    while (manager.watches === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    expect(await polled).toBe("aborted");
    while (manager.watches > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(manager.watches).toBe(0);
  });
});
