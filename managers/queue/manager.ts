import { randomBytes } from "node:crypto";
import {
  assertInteger,
  assertOptions,
  BaseManager,
  describeValue,
  invalidArgument,
  type JobHandle,
  type JobRequest,
  type JobState,
  type JobUpdate,
  type ManagerSnapshot,
  type QueueWorkerOptions,
  type QueueWorkerSource,
  type RunningQueueWorker,
  registerInspectable,
  registerQueueWorkerSource,
  unregisterInspectable,
  unregisterQueueWorkerSource,
  type WatchOptions,
} from "../../src/index.js";
import { newEpoch, queueJobId } from "./ids.js";
import { inspectQueue } from "./inspect.js";
import type { QueueJobData } from "./jobs.js";
import { QueueKeys } from "./keys.js";
import { News } from "./news.js";
import { type QueueManagerOptions, type ResolvedQueueOptions, resolveQueueOptions } from "./options.js";
import { CONNECT_WAIT_MS, closeClient, isNoScript, loadDependencies, waitReady } from "./redis.js";
import { backendFailure, callBackend, createWebSide, queueOf, START_HINT, type WebSide } from "./web.js";
import { startQueueWorker } from "./worker.js";

/** How soon after its submit, or after the news of its end, a job's take may be answered without Redis, at most. */
const QUIET_MS = 1_000;

/**
 * The production manager: jobs go to a BullMQ queue on Redis and run on worker processes started
 * with the worker CLI (`npx background-callbacks worker ./app.ts`) on any host; job state lives in
 * Redis, so every web process sharing the queue can poll and cancel every job.
 *
 * The constructor does no I/O: Redis is reached on the first call, and BullMQ and ioredis (optional
 * peers) are imported then.
 *
 * @throws `INVALID_ARGUMENT` (a `TypeError`) for bad options.
 * @example
 * ```ts
 * const manager = new QueueManager({ connection: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
 * const { jobId } = await manager.submit({ callbackId: "report", args: [42] });
 * ```
 */
export class QueueManager extends BaseManager implements QueueWorkerSource {
  readonly capabilities = Object.freeze({ caching: true, shared: true, queueWatch: true });
  protected readonly part = "queue";
  readonly #options: ResolvedQueueOptions;
  readonly #keys: QueueKeys;
  readonly #workers = new Set<RunningQueueWorker>();
  readonly #news: News;
  #side: Promise<WebSide> | undefined;
  /** The epoch of the queue's data as last seen; a first guess until Redis answers. */
  #epoch = newEpoch();
  /** Whether Redis confirmed `#epoch` (a submit under it wrote a record). */
  #epochKnown = false;
  #warnedNoWorker = false;
  /** How soon after its submit, or after the news of its end, a take may be answered without Redis (see `doTake`). */
  readonly #quietMs: number;

  constructor(options: QueueManagerOptions) {
    super();
    if (options === undefined) {
      throw invalidArgument(
        "queue",
        "Expected `options` with a `connection` (a Redis URL or an ioredis instance), got `undefined`",
      );
    }
    assertOptions("queue", options);
    this.#options = resolveQueueOptions(options);
    this.#keys = new QueueKeys(this.#options.prefix, this.#options.queueName);
    this.#news = new News(this.#keys.newsChannel);
    // Within the no-worker bound a read of a queued job decides nothing: it would answer "queued"
    // too; within ttlMs of its end, a job's record is still there.
    const { noWorkerTimeoutMs, ttlMs } = this.#options;
    this.#quietMs = Math.min(QUIET_MS, ttlMs, noWorkerTimeoutMs === 0 ? QUIET_MS : noWorkerTimeoutMs);
    // The worker CLI imports the app module, then starts a worker for every QueueManager it created.
    registerQueueWorkerSource(this);
    registerInspectable(this);
  }

  /** The BullMQ queue name. */
  get queueName(): string {
    return this.#options.queueName;
  }

  /** The key prefix (BullMQ's and this manager's). */
  get prefix(): string {
    return this.#options.prefix;
  }

  /** For logs: `queue "background-callbacks" (prefix "bgcb") on redis://127.0.0.1:6379`. */
  describe(): string {
    return `queue "${this.#options.queueName}" (prefix "${this.#options.prefix}") on ${this.#options.connection.shown}`;
  }

  /**
   * Starts taking this queue's jobs in this process, running each on a worker process that loads
   * `module`. The worker CLI calls it; call it yourself to run a worker inside another program.
   * `close()` of the manager stops the workers it started.
   * @param options `module` defaults to the `workerModule` option, `concurrency` to the
   *   `concurrency` option, `log` to nothing.
   * @throws `BACKEND` when Redis cannot be reached; `DEPENDENCY_MISSING`; `MANAGER_CLOSED`;
   *   `WRONG_ROLE` inside a job process.
   */
  async startWorker(options: Partial<QueueWorkerOptions> = {}): Promise<RunningQueueWorker> {
    this.assertOpen();
    assertOptions("queue", options);
    const concurrency = options.concurrency ?? this.#options.concurrency;
    assertInteger("queue", "concurrency", concurrency, 1, 256);
    const module = options.module ?? this.#options.workerModule;
    if (typeof module !== "string" || module.length === 0) {
      throw invalidArgument(
        "queue",
        `Expected \`module\` to be the path of the app module, got ${describeValue(module)}`,
      );
    }
    const worker = await startQueueWorker({
      deps: await loadDependencies(),
      options: this.#options,
      keys: this.#keys,
      module,
      concurrency,
      log: options.log ?? (() => undefined),
    });
    if (this.closed) {
      // close() ran while the worker started: it must not outlive the manager.
      await worker.close(0);
      this.assertOpen();
    }
    this.#workers.add(worker);
    return {
      close: async (graceMs: number) => {
        await worker.close(graceMs);
        this.#workers.delete(worker);
      },
    };
  }

  protected async doSubmit(job: JobRequest): Promise<JobHandle> {
    const side = await this.#open();
    const data: QueueJobData = {
      callbackId: job.callbackId,
      args: [...job.args],
      ...(job.context ? { context: job.context } : {}),
      ...(job.cache ? { cache: job.cache } : {}),
      ...(job.timeoutMs ? { timeoutMs: job.timeoutMs } : {}),
    };
    for (;;) {
      const jobId = queueJobId(this.#keys.tag, this.#epoch);
      // Once the epoch is known and no memoised result can answer, the add goes out right behind
      // the record's script on the same connection (Redis runs them in that order: the record is
      // there before any worker can take the job), so a submit waits for one round trip, not two.
      const together = this.#epochKnown && job.cache === undefined;
      this.#news.submitting(jobId);
      const recorded = side.store.submit(jobId, this.#options.retryLost, job.cache?.key, together);
      const added = together ? this.#add(side, jobId, data) : undefined;
      // Its failure is awaited below, maybe after the record's: not an unhandled rejection meanwhile.
      added?.catch(() => undefined);
      let reply: Awaited<typeof recorded>;
      try {
        reply = await recorded;
      } catch (error) {
        this.#news.forget(jobId);
        if (added) this.#unadd(side, jobId, added);
        // Redis restarted and lost the script: the add ran without a record; again, one step at a time.
        if (together && isNoScript(error)) {
          this.#epochKnown = false;
          continue;
        }
        throw backendFailure(side, this.#options, "submit a job", error);
      }
      if (reply !== false) this.#news.forget(jobId);
      if (typeof reply !== "boolean") {
        // Another epoch: no record was written, and the job, if added, is dropped (a claim would skip it).
        this.#epoch = reply.epoch;
        if (added) this.#unadd(side, jobId, added);
        continue;
      }
      this.#epochKnown = true;
      if (reply) return { jobId };
      // No TTL to take back: a record whose add never happens is swept later (see SUBMIT).
      await (added ?? this.#add(side, jobId, data)).catch((error: unknown) => {
        this.#news.forget(jobId);
        throw error;
      });
      return { jobId };
    }
  }

  /** Adds the job to BullMQ; on failure deletes its record (it then never runs) and throws `BACKEND`. */
  async #add(side: WebSide, jobId: string, data: QueueJobData): Promise<void> {
    try {
      const queue = queueOf(side, this.#options);
      await queue.add(data.callbackId, data, { jobId, removeOnComplete: true, removeOnFail: true, attempts: 1 });
    } catch (error) {
      // Not awaited: while Redis does not answer, a worker's sweep of pending submits removes it later.
      void side.store.forget(jobId).catch(() => undefined);
      throw backendFailure(side, this.#options, "add the job to the queue", error);
    }
  }

  /** Takes back a job added without a record, once added (a worker would skip it anyway). */
  #unadd(side: WebSide, jobId: string, added: Promise<void>): void {
    added
      .then(
        () => queueOf(side, this.#options).remove(jobId),
        () => undefined,
      )
      .catch(() => undefined);
  }

  /**
   * A take of a job this process submitted may be answered from the news, without Redis: the
   * first after the submit, while one of its watches is pending and no news came ("queued, nothing
   * new": the app server's first response watches, then takes), and the first after the news of
   * its end carried the outcome (see `News.known`).
   */
  protected async doTake(jobId: string): Promise<JobUpdate> {
    const known = this.#news.known(jobId, this.#quietMs);
    if (known !== undefined) return known;
    const side = await this.#open();
    return callBackend(side, this.#options, `take job ${jobId}`, () => side.store.take(jobId));
  }

  protected async doStatus(jobId: string): Promise<JobState> {
    const side = await this.#open();
    return callBackend(side, this.#options, `read job ${jobId}`, () => side.store.status(jobId));
  }

  protected async doCancel(jobId: string): Promise<void> {
    // A take right after this cancel must read its outcome, not wait for the news of it.
    this.#news.forget(jobId);
    const side = await this.#open();
    const before = await callBackend(side, this.#options, `cancel job ${jobId}`, () => side.store.cancel(jobId));
    if (before === undefined) return;
    // A queued job is removed; an active one (locked by a worker) stays and gets the message.
    if (before === "queued") {
      await queueOf(side, this.#options)
        .remove(jobId)
        .catch(() => 0);
    }
    await callBackend(side, this.#options, `cancel job ${jobId}`, () => side.store.announceCancel(jobId));
    this.#news.notify(jobId);
  }

  /**
   * Resolves when the job may have news: a message on the queue's news channel, which the scripts
   * that write publish in the same atomic step. One subscriber connection per manager, opened by
   * the first watch. Resolves early (callers then `take()`) when the subscription is confirmed
   * after the watch began, when the connection to Redis is lost, and at `close()`; never rejects
   * for backend trouble. With `{ outcome: true }` the job's start, progress and side updates do
   * not resolve it; its end does. With `{ queue: true }` the queue moving resolves it too: the
   * news of any job's start, or of the end of a job whose start this process did not hear (it left
   * the queue); no other subscription.
   * @throws `MANAGER_CLOSED` after `close()`; `INVALID_ARGUMENT` for a bad id, signal or options.
   */
  async watch(jobId: string, signal: AbortSignal, options?: WatchOptions): Promise<void> {
    this.checkWatch(jobId, signal);
    if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
      throw invalidArgument("queue", `Expected \`options\` of watch to be an object, got ${describeValue(options)}`);
    }
    const pending = this.#news.watch(jobId, signal, options?.outcome === true, options?.queue === true);
    if (!this.#news.live) {
      this.#open().then(
        (side) => this.#news.start(side.client.client),
        () => this.#news.notify(jobId),
      );
    }
    return pending;
  }

  /**
   * While the job waits in the queue, how many jobs will start before it (0: it starts next);
   * `undefined` once it runs, has ended, or is unknown. One round trip, costing as much as the
   * answer (the search starts at the end BullMQ takes jobs from).
   * @throws `BACKEND` when Redis cannot be reached; `MANAGER_CLOSED`; `INVALID_ARGUMENT`.
   */
  async position(jobId: string): Promise<number | undefined> {
    this.checkPosition(jobId);
    const side = await this.#open();
    return callBackend(side, this.#options, `read the position of job ${jobId}`, () => side.store.position(jobId));
  }

  /**
   * A snapshot of the queue, read in one round trip: jobs waiting (BullMQ's waiting list, and jobs
   * a worker took but has not started), running jobs with their worker (`host:pid`), the workers
   * whose heartbeat is within `leaseMs`, and jobs that ended `lost` in the last hour. Its cost
   * follows the running jobs and workers, not the backlog. Changes nothing.
   * @throws `BACKEND` when Redis cannot be reached; `MANAGER_CLOSED` after `close()`.
   */
  async inspect(): Promise<ManagerSnapshot> {
    this.assertOpen();
    const side = await this.#open();
    return callBackend(side, this.#options, "inspect the queue", () =>
      inspectQueue(side.client.client, this.#keys, this.#options.leaseMs),
    );
  }

  /** Pending watches in this process (each ends at news, its signal, or `close()`). */
  get watching(): number {
    return this.#news.size;
  }

  /** A secret kept in Redis, shared by every process using this queue (created on first use). */
  async sharedSecret(): Promise<string> {
    this.assertOpen();
    const side = await this.#open();
    return callBackend(side, this.#options, "read the shared secret", () =>
      side.store.secret(randomBytes(32).toString("base64url")),
    );
  }

  protected async doClose(): Promise<void> {
    unregisterQueueWorkerSource(this);
    unregisterInspectable(this);
    await this.#news.close();
    await Promise.all([...this.#workers].map((worker) => worker.close(0)));
    this.#workers.clear();
    const side = await this.#side?.catch(() => undefined);
    if (side === undefined) return;
    await side.queue?.close().catch(() => undefined);
    if (side.owned) await closeClient(side.client);
  }

  async #open(): Promise<WebSide> {
    this.#side ??= createWebSide(this.#options, this.#keys, (side, jobId) => this.#noWorker(side, jobId));
    const pending = this.#side;
    const side = await pending.catch((error: unknown) => {
      // A failed import is retried by the next call instead of failing forever.
      if (this.#side === pending) this.#side = undefined;
      throw error;
    });
    side.connecting ??= waitReady(side.client, CONNECT_WAIT_MS, this.#options.connection.shown).catch(
      (error: unknown) => {
        side.connecting = undefined;
        throw error;
      },
    );
    await side.connecting;
    this.assertOpen();
    return side;
  }

  /** A read ended a queued job because no worker runs: drop it from BullMQ, and warn once. */
  #noWorker(side: WebSide, jobId: string): void {
    void queueOf(side, this.#options)
      .remove(jobId)
      .catch(() => 0);
    if (this.#warnedNoWorker || this.closed) return;
    this.#warnedNoWorker = true;
    process.emitWarning(
      `[background-callbacks:queue] No worker runs for ${this.describe()}: queued jobs end with an error after ${this.#options.noWorkerTimeoutMs} ms. ${START_HINT}`,
      { code: "NO_WORKER" },
    );
  }
}
