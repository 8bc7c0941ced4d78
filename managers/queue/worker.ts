import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Job, Worker } from "bullmq";
import { type RunningQueueWorker, WorkerPool } from "../../src/index.js";
import { type Departure, LocalJobs, type QueueJobData } from "./jobs.js";
import type { QueueKeys } from "./keys.js";
import type { ResolvedQueueOptions } from "./options.js";
import {
  CONNECT_WAIT_MS,
  closeClient,
  createClient,
  type Dependencies,
  duplicateClient,
  type OwnedClient,
  waitReady,
} from "./redis.js";
import { type Claim, JobStore, MAX_RUNS } from "./store.js";

/** What a queue worker is started with. */
export interface QueueWorkerSettings {
  readonly deps: Dependencies;
  readonly options: ResolvedQueueOptions;
  readonly keys: QueueKeys;
  /** The module the job processes load. */
  readonly module: string;
  readonly concurrency: number;
  log(event: Record<string, unknown>): void;
}

/** BullMQ retries a failed Redis call after this long (its default, 15 s, is long for interactive jobs). */
const RUN_RETRY_DELAY_MS = 1_000;
/** How long a shutdown waits for BullMQ to let go of its jobs once they ended here. */
const BULL_CLOSE_WAIT_MS = 5_000;

/** Whether `promise` settled within `ms` (the timer is cleared either way). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts a queue worker: a BullMQ `Worker` whose processor hands each job to a `WorkerPool`.
 * @throws `BACKEND` when Redis cannot be reached (nothing is left running).
 */
export async function startQueueWorker(settings: QueueWorkerSettings): Promise<RunningQueueWorker> {
  const where = settings.options.connection.shown;
  const data = createClient(settings.deps, settings.options.connection, "worker");
  const sub = duplicateClient(data);
  try {
    await waitReady(data, CONNECT_WAIT_MS, where);
    await waitReady(sub, CONNECT_WAIT_MS, where);
    await sub.client.subscribe(settings.keys.cancelChannel);
  } catch (error) {
    data.client.disconnect();
    sub.client.disconnect();
    throw error;
  }
  const worker = new QueueWorker(settings, data, sub);
  try {
    await worker.ready();
  } catch (error) {
    await worker.close(0);
    throw error;
  }
  return worker;
}

class QueueWorker implements RunningQueueWorker {
  readonly #settings: QueueWorkerSettings;
  readonly #owner = `${hostname()}:${process.pid}:${randomBytes(6).toString("base64url")}`;
  readonly #data: OwnedClient;
  readonly #sub: OwnedClient;
  readonly #pool: WorkerPool;
  readonly #jobs: LocalJobs;
  readonly #store: JobStore;
  readonly #startedAt = Date.now();
  readonly #bull: Worker<QueueJobData, void>;
  readonly #timer: NodeJS.Timeout;
  #closing: Promise<void> | undefined;
  /** Ends the shutdown's grace period early (a second `close` with a shorter grace). */
  #cutGrace: (() => void) | undefined;
  /** Redis is unreachable: `redis.disconnected` was logged, BullMQ's retries are not. */
  #down = false;
  /**
   * Whether the last job was handed to an idle process in its claim's step: the next claim then
   * writes the start too (one write fewer per job). BullMQ hands this worker at most `concurrency`
   * jobs, as many as the pool has processes, and a job's process is free again before the job
   * leaves: so a claim finds an idle process unless one is starting or restarting, which a miss
   * shows (its start is then taken back).
   */
  #startInClaim = false;

  constructor(settings: QueueWorkerSettings, data: OwnedClient, sub: OwnedClient) {
    const { options } = settings;
    this.#settings = settings;
    this.#data = data;
    this.#sub = sub;
    const store = new JobStore(data.client, { keys: settings.keys, ttlMs: options.ttlMs, leaseMs: options.leaseMs });
    this.#store = store;
    this.#jobs = new LocalJobs({
      store,
      owner: this.#owner,
      log: (event) => this.#log(event),
      stop: (jobId) => this.#stop(jobId),
    });
    this.#pool = new WorkerPool(
      { module: settings.module, concurrency: settings.concurrency, graceMs: options.cancelGraceMs },
      {
        admit: (jobId) => this.#jobs.admit(jobId),
        start: (jobId, pid) => this.#jobs.started(jobId, pid),
        progress: (jobId, value) => this.#jobs.progress(jobId, value),
        props: (jobId, id, props) => this.#jobs.props(jobId, id, props),
        end: (jobId, outcome) => this.#jobs.end(jobId, outcome),
      },
    );
    // Job processes start now, not with the first job: a cold one would start later jobs first.
    this.#pool.warm();
    this.#bull = this.#createBullWorker(store);
    sub.client.on("message", (channel: string, jobId: string) => {
      if (channel === settings.keys.cancelChannel && this.#jobs.has(jobId)) this.#stop(jobId);
    });
    this.#watchConnection();
    this.#timer = this.#heartbeats();
  }

  async ready(): Promise<void> {
    await this.#bull.waitUntilReady();
    await this.#checkIn();
    const { concurrency, options } = this.#settings;
    this.#log({ event: "worker.started", owner: this.#owner, concurrency, prefix: options.prefix });
  }

  close(graceMs: number): Promise<void> {
    if (this.#closing === undefined) this.#closing = this.#shutdown(graceMs);
    else if (graceMs === 0) this.#cutGrace?.();
    return this.#closing;
  }

  #createBullWorker(store: JobStore): Worker<QueueJobData, void> {
    const { options } = this.#settings;
    // All three parameters are declared: BullMQ passes the AbortSignal only then.
    const processor = async (job: Job<QueueJobData, void>, token: string | undefined, signal?: AbortSignal) => {
      const jobId = job.id as string;
      const start = this.#startInClaim && this.#closing === undefined;
      const claim = await this.#claim(store, jobId, start);
      let how: Departure = "done";
      if (claim === "run") how = await this.#run(job, signal, start);
      else if (claim === "busy") how = "handBack";
      else {
        const { callbackId } = job.data;
        // "lost": BullMQ handed back the job of a worker that died while running it.
        if (claim === "lost")
          this.#log({ level: "warn", event: "job.lost", jobId, callbackId, reason: "its worker died" });
        else this.#log({ event: "job.skipped", jobId, callbackId, reason: claim });
      }
      if (how === "handBack" && token !== undefined) {
        await job.moveToWait(token);
        throw new this.#settings.deps.bullmq.WaitingError();
      }
    };
    const worker = new this.#settings.deps.bullmq.Worker<QueueJobData, void>(options.queueName, processor, {
      connection: this.#data.client,
      prefix: options.prefix,
      concurrency: this.#settings.concurrency,
      // Our lease and BullMQ's lock expire together: a dead worker's job is noticed by both at once.
      lockDuration: options.leaseMs,
      stalledInterval: options.leaseMs,
      // Stalled jobs (their worker died) always come back; claiming decides: one that never started
      // runs, one that did ends `lost` (or runs again with retryLost).
      maxStalledCount: MAX_RUNS + 1,
      runRetryDelay: RUN_RETRY_DELAY_MS,
    });
    worker.on("error", (error) => {
      if (!this.#down) this.#log({ level: "warn", event: "worker.error", message: error.message });
    });
    worker.on("stalled", (jobId) => this.#log({ level: "warn", event: "job.stalled", jobId }));
    return worker;
  }

  /**
   * Claims a job BullMQ gave this worker. While another run holds it (its worker stalled, so BullMQ
   * moved the job, but its lease has not lapsed yet), waits: completing the BullMQ job now would
   * leave nothing to run it if that worker is dead. Ends "busy" only when this worker shuts down
   * meanwhile (the job then goes back to the queue); "held" when this worker runs the job already.
   */
  async #claim(store: JobStore, jobId: string, start: boolean): Promise<Claim | "held"> {
    for (;;) {
      const claim = await store.claim(jobId, this.#owner, start);
      if (claim === "busy" && this.#jobs.has(jobId)) return "held";
      if (claim !== "busy") return claim;
      if (this.#closing) return "busy";
      await new Promise((resolve) => setTimeout(resolve, this.#settings.options.heartbeatMs));
    }
  }

  /** Runs a claimed job on the pool (`started`: the claim wrote its start); resolves when it left this worker. */
  #run(job: Job<QueueJobData, void>, signal: AbortSignal | undefined, started: boolean): Promise<Departure> {
    const jobId = job.id as string;
    return new Promise<Departure>((resolve) => {
      this.#jobs.add(jobId, job.data, job.timestamp, resolve, started);
      if (this.#jobs.closing) {
        this.#jobs.end(jobId, { kind: "lost", reason: "The worker is shutting down" });
        return;
      }
      signal?.addEventListener("abort", () => this.#pool.cancel(jobId), { once: true });
      const { callbackId, args, context, timeoutMs } = job.data;
      this.#pool.submit({
        jobId,
        callbackId,
        args,
        ...(context ? { context } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
        // BullMQ's creation time: the job's wait in Redis counts in its queue wait.
        submittedAt: job.timestamp,
      });
      this.#startInClaim = this.#jobs.settle(jobId);
      if (signal?.aborted) this.#pool.cancel(jobId);
    });
  }

  /** Cancels a job held here: through BullMQ's AbortSignal, which aborts it on the pool. */
  #stop(jobId: string): void {
    if (!this.#bull.cancelJob(jobId, "cancelled")) this.#pool.cancel(jobId);
  }

  /** Registers this worker, or renews its entry: web processes tell from it whether any worker runs. */
  #checkIn(): Promise<void> {
    return this.#store.register(this.#owner, {
      host: hostname(),
      pid: process.pid,
      startedAt: this.#startedAt,
      queue: this.#settings.options.queueName,
      concurrency: this.#settings.concurrency,
      running: this.#jobs.size,
      jobsDone: this.#jobs.ended,
    });
  }

  #heartbeats(): NodeJS.Timeout {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      // Leases are renewed through the shutdown's grace period; the registry entry is not.
      Promise.all([this.#closing ? undefined : this.#checkIn(), this.#jobs.heartbeat()])
        .catch((error: unknown) =>
          this.#log({ level: "warn", event: "worker.heartbeatFailed", message: String(error) }),
        )
        .finally(() => {
          busy = false;
        });
    }, this.#settings.options.heartbeatMs);
    timer.unref();
    return timer;
  }

  /** Logs each Redis outage once, and the reconnection. */
  #watchConnection(): void {
    const { client } = this.#data;
    client.on("close", () => {
      if (this.#down || this.#closing) return;
      this.#down = true;
      this.#log({
        level: "warn",
        event: "redis.disconnected",
        message: this.#data.lastError?.message ?? "connection closed",
      });
    });
    client.on("ready", () => {
      if (!this.#down) return;
      this.#down = false;
      this.#log({ event: "redis.reconnected" });
    });
  }

  async #shutdown(graceMs: number): Promise<void> {
    this.#log({ event: "worker.stopping", running: this.#jobs.size, graceMs });
    // Stops fetching at once; resolves once every job held has left.
    const bullClosed = this.#bull.close().catch(() => undefined);
    const cut = new Promise<void>((resolve) => {
      this.#cutGrace = resolve;
    });
    await within(Promise.race([this.#jobs.idle(), cut]), graceMs);
    this.#jobs.closing = true;
    await this.#pool.close();
    const released = await within(bullClosed, BULL_CLOSE_WAIT_MS);
    // Redis is unreachable: BullMQ's stalled-job check hands the jobs on once their locks expire.
    if (!released) await this.#bull.disconnect().catch(() => undefined);
    clearInterval(this.#timer);
    if (!this.#down)
      await within(
        this.#store.unregister(this.#owner).catch(() => undefined),
        BULL_CLOSE_WAIT_MS,
      );
    await Promise.all([closeClient(this.#sub), closeClient(this.#data)]);
    this.#log({ event: "worker.stopped" });
  }

  #log(event: Record<string, unknown>): void {
    this.#settings.log({ level: "info", queue: this.#settings.options.queueName, ...event });
  }
}
