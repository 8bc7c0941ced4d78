import { randomBytes, randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  BackgroundCallbackError,
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
import { sendRaw } from "../fixtures/raw-http.js";
import { body, DashClient } from "./http.js";

/** What a Redis would hold: the shared secret and the jobs; `down` makes every call fail `BACKEND`. */
class Backend {
  secret: string | undefined;
  down = false;
  calls = 0;
  readonly jobs = new Map<string, { state: JobState; outcome?: JobOutcome }>();

  /** Ends a job, as a worker would. */
  end(jobId: string, outcome: JobOutcome): void {
    this.jobs.set(jobId, { state: "done", outcome });
  }
}

/** A manager whose backend the test controls; jobs run nowhere, the test ends them. */
class ControlledManager implements BackgroundCallbackManager {
  readonly capabilities = Object.freeze({ caching: false, shared: true });
  constructor(readonly backend: Backend) {}

  #reach(): void {
    this.backend.calls++;
    if (this.backend.down) {
      throw new BackgroundCallbackError(
        "BACKEND",
        "[background-callbacks:test] Cannot reach the backend: ECONNREFUSED",
      );
    }
  }
  async submit(_job: JobRequest) {
    this.#reach();
    const jobId = randomUUID().replaceAll("-", "");
    this.backend.jobs.set(jobId, { state: "queued" });
    return { jobId };
  }
  async take(jobId: string): Promise<JobUpdate> {
    this.#reach();
    const outcome = this.backend.jobs.get(jobId)?.outcome;
    return outcome ? { outcome } : {};
  }
  async status(jobId: string): Promise<JobState> {
    this.#reach();
    return this.backend.jobs.get(jobId)?.state ?? "unknown";
  }
  async cancel(jobId: string): Promise<void> {
    this.#reach();
    if (this.backend.jobs.get(jobId)?.state !== "done") this.backend.end(jobId, { kind: "cancelled" });
  }
  async close(): Promise<void> {}
  async sharedSecret(): Promise<string> {
    this.#reach();
    this.backend.secret ??= randomBytes(32).toString("base64url");
    return this.backend.secret;
  }
}

callback(
  { output: Output("job-out", "children"), inputs: Input("job-in", "value"), background: true },
  (v: string) => v,
);

const run = body("job-out", "job-in", "x");
const started: RunningApp[] = [];

async function serve(backend: Backend, backendOutageMs = 1_500, longPollMs = 100): Promise<DashClient> {
  const app = new Dash({
    backgroundCallbackManager: new ControlledManager(backend),
    backendOutageMs,
    longPollMs,
    firstResponseWaitMs: 0,
  });
  const running = (await app.run({ port: 0, host: "127.0.0.1" })) as RunningApp;
  started.push(running);
  return new DashClient(running.url);
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((running) => running.close()));
});

async function start(client: DashClient): Promise<Record<string, string>> {
  const response = await client.update(run);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, string>;
}

const jobIdOf = (handles: Record<string, string>): string => (handles.job as string).split(".")[0] as string;

async function poll(client: DashClient, handles: Record<string, string>) {
  const response = await client.poll(run, handles);
  const text = await response.text();
  return { status: response.status, text, retryAfter: response.headers.get("retry-after") };
}

describe("a backend outage is waited out", () => {
  it("a start answers 503 with Retry-After and a clear message; it works once the backend is back", async () => {
    const backend = new Backend();
    const client = await serve(backend);
    await client.loadPage();
    backend.down = true;
    const refused = await client.update(run);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.text()).toContain("backend is unreachable");
    backend.down = false;
    await start(client);
  });

  it("polls answer still running through the outage; once it is back, every job ends once", async () => {
    const backend = new Backend();
    const client = await serve(backend, 60_000);
    await client.loadPage();
    const jobs = await Promise.all([start(client), start(client), start(client)]);
    const ids = jobs.map((handles) => jobIdOf(handles));
    backend.jobs.set(ids[1] as string, { state: "running" });
    backend.end(ids[2] as string, { kind: "result", value: "finished before" });
    backend.down = true;
    const during = await Promise.all(jobs.flatMap((handles) => [poll(client, handles), poll(client, handles)]));
    for (const answer of during) expect(answer).toMatchObject({ status: 200, text: '{"multi":true}' });
    backend.end(ids[0] as string, { kind: "result", value: "queued, then done" });
    backend.end(ids[1] as string, { kind: "error", message: "running, then failed" });
    backend.down = false;
    const after = await Promise.all(jobs.map((handles) => poll(client, handles)));
    expect(after.map((answer) => answer.status)).toEqual([200, 500, 200]);
    expect(after[0]?.text).toContain("queued, then done");
    expect(after[1]?.text).toContain("running, then failed");
    expect(after[2]?.text).toContain("finished before");
  });

  it("past backendOutageMs the page gets an error naming the outage", async () => {
    const backend = new Backend();
    const client = await serve(backend, 1_000);
    await client.loadPage();
    const handles = await start(client);
    backend.down = true;
    const answers: { status: number; text: string; retryAfter: string | null }[] = [];
    while (answers.at(-1)?.status !== 503) answers.push(await poll(client, handles));
    expect(answers.length).toBeGreaterThan(1);
    for (const answer of answers.slice(0, -1)) expect(answer.text).toBe('{"multi":true}');
    expect(answers.at(-1)?.text).toMatch(/backend has been unreachable for \d+ s; the job may still finish/);
    expect(answers.at(-1)?.retryAfter).toBe("5");
    // The bound counts from the start of the outage: once the backend answers, it starts afresh.
    backend.down = false;
    expect((await poll(client, handles)).text).toBe('{"multi":true}');
    backend.down = true;
    expect((await poll(client, handles)).text).toBe('{"multi":true}');
  });

  it("a page load while the backend holding the secret is down → 503; the next one, once it is back, works", async () => {
    const backend = new Backend();
    backend.down = true;
    const client = await serve(backend);
    const page = await fetch(client.base);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("unreachable");
    backend.down = false;
    await client.loadPage();
    await start(client);
  });
});

describe("web processes converge on one shared secret", () => {
  it("after the backend lost the secret, two web processes accept each other's handles", async () => {
    const backend = new Backend();
    const viaA = await serve(backend);
    await viaA.loadPage();
    const before = await start(viaA);
    const oldEndId = viaA.endId;
    // The backend loses its data; a new web process stores a new secret.
    backend.secret = undefined;
    backend.jobs.clear();
    const viaB = await serve(backend);
    await viaB.loadPage();
    expect(viaB.endId).not.toBe(oldEndId);
    // A page of B reaches A: A re-reads the secret, adopts it and answers.
    const bPageOnA = new DashClient(viaA.base);
    bPageOnA.endId = viaB.endId;
    const fromA = await start(bPageOnA);
    backend.end(jobIdOf(fromA), { kind: "result", value: "polled on B" });
    const onB = await poll(viaB, fromA);
    expect(onB).toMatchObject({ status: 200 });
    expect(onB.text).toContain("polled on B");
    // One secret at a time: what A signed with the lost secret is refused now, by both.
    for (const via of [viaA, viaB]) {
      const stale = new DashClient(via.base);
      stale.endId = oldEndId;
      expect((await stale.update(run)).status).toBe(400);
      expect((await poll(stale, before)).status).toBe(400);
    }
  });

  it("while the backend is down, a handle signed with a secret not yet read is no forgery: 503, polls wait", async () => {
    const backend = new Backend();
    const viaA = await serve(backend, 60_000);
    await viaA.loadPage();
    backend.secret = undefined;
    const viaB = await serve(backend, 60_000);
    await viaB.loadPage();
    const fromB = await start(viaB);
    backend.down = true;
    const bPageOnA = new DashClient(viaA.base);
    bPageOnA.endId = viaB.endId;
    const refused = await bPageOnA.update(run);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await poll(bPageOnA, fromB)).toMatchObject({ status: 200, text: '{"multi":true}' });
    backend.down = false;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await poll(bPageOnA, fromB)).toMatchObject({ status: 200, text: '{"multi":true}' });
    await start(bPageOnA);
  });

  it("forged handles re-read the secret at most once per second", async () => {
    const backend = new Backend();
    const client = await serve(backend);
    await client.loadPage();
    const handles = await start(client);
    const callsBefore = backend.calls;
    const forged = await Promise.all(
      Array.from({ length: 50 }, () => poll(client, { ...handles, job: `${handles.job}x` })),
    );
    expect(forged.every((answer) => answer.status === 403)).toBe(true);
    expect(backend.calls - callsBefore).toBeLessThanOrEqual(2);
  });
});

describe("long polls", () => {
  it("stop asking the manager once the client went away", async () => {
    const backend = new Backend();
    const client = await serve(backend, 30_000, 60_000);
    await client.loadPage();
    const handles = await start(client);
    const text = JSON.stringify(run);
    const url = new URL(client.base);
    const target = `/_dash-update-component?endId=${client.endId}&cacheKey=${handles.cacheKey}&job=${handles.job}`;
    const bytes = `POST ${target} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
    // The client gives up while the poll waits (it would wait a minute for news).
    const answer = await sendRaw(Number(url.port), bytes, 500);
    expect(answer.status).toBeUndefined();
    const afterClose = backend.calls;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // At most one take() in flight when the client left; none after.
    expect(backend.calls - afterClose).toBeLessThanOrEqual(1);
  });
});
