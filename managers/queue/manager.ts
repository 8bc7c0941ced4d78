import { randomBytes } from "node:crypto";
import type { Queue } from "bullmq";
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
  type QueueWorkerOptions,
  type QueueWorkerSource,
  type RunningQueueWorker,
  registerQueueWorkerSource,
  unregisterQueueWorkerSource,
} from "../../src/index.js";
import { newEpoch, queueJobId } from "./ids.js";
import type { QueueJobData } from "./jobs.js";
import { QueueKeys } from "./keys.js";
import {
  type QueueManagerOptions,
  type RedisClient,
  type ResolvedQueueOptions,
  resolveQueueOptions,
} from "./options.js";
import {
  backendError,
  CONNECT_WAIT_MS,
  closeClient,
  createClient,
  type Dependencies,
  loadDependencies,
  type OwnedClient,
  waitReady,
} from "./redis.js";
import { JobStore } from "./store.js";
import { startQueueWorker } from "./worker.js";

const START_HINT = "Start one with `npx background-callbacks worker <your app module>`.";

/** The web side: one client (the user's, or one made from the URL), BullMQ's `Queue`, the store. */
interface WebSide {
  readonly deps: Dependencies;
  readonly client: OwnedClient;
  /** Whether the manager created the client (and so closes it). */
  readonly owned: boolean;
  readonly store: JobStore;
  queue?: Queue<QueueJobData, void>;
  /** The first connection, shared by the calls that wait for it; cleared when it fails. */
  connecting?: Promise<void>;
}

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
  readonly capabilities = Object.freeze({ caching: true, shared: true });
  protected readonly part = "queue";
  readonly #options: ResolvedQueueOptions;
  readonly #keys: QueueKeys;
  readonly #workers = new Set<RunningQueueWorker>();
  #side: Promise<WebSide> | undefined;
  /** The epoch of the queue's data as last seen; a first guess until Redis answers. */
  #epoch = newEpoch();
  #warnedNoWorker = false;

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
    // The worker CLI imports the app module, then starts a worker for every QueueManager it created.
    registerQueueWorkerSource(this);
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
    const { jobId, hit } = await this.#call(side, "submit a job", () => this.#record(side, job.cache?.key));
    if (hit) return { jobId };
    const data: QueueJobData = {
      callbackId: job.callbackId,
      args: [...job.args],
      ...(job.context ? { context: job.context } : {}),
      ...(job.cache ? { cache: job.cache } : {}),
    };
    try {
      const queue = this.#queue(side);
      await queue.add(job.callbackId, data, { jobId, removeOnComplete: true, removeOnFail: true, attempts: 1 });
    } catch (error) {
      await side.store.forget(jobId).catch(() => undefined);
      const down = side.client.client.status === "ready" ? undefined : (side.client.lastError ?? true);
      throw backendError("add the job to the queue", this.#options.connection.shown, error, down);
    }
    // Failing here is harmless: the job is queued, and the worker's claim removes the TTL too.
    await side.store.persist(jobId).catch(() => undefined);
    return { jobId };
  }

  /** Writes the job's record under an id that carries the queue's epoch (learnt on the first try). */
  async #record(side: WebSide, cacheKey: string | undefined): Promise<{ jobId: string; hit: boolean }> {
    for (;;) {
      const jobId = queueJobId(this.#keys.tag, this.#epoch);
      const reply = await side.store.submit(jobId, this.#options.retryLost, cacheKey);
      if (typeof reply === "boolean") return { jobId, hit: reply };
      this.#epoch = reply.epoch;
    }
  }

  protected async doTake(jobId: string): Promise<JobUpdate> {
    const side = await this.#open();
    return this.#call(side, `take job ${jobId}`, () => side.store.take(jobId));
  }

  protected async doStatus(jobId: string): Promise<JobState> {
    const side = await this.#open();
    return this.#call(side, `read job ${jobId}`, () => side.store.status(jobId));
  }

  protected async doCancel(jobId: string): Promise<void> {
    const side = await this.#open();
    const before = await this.#call(side, `cancel job ${jobId}`, () => side.store.cancel(jobId));
    if (before === undefined) return;
    // A queued job is removed; an active one (locked by a worker) stays and gets the message.
    if (before === "queued") {
      await this.#queue(side)
        .remove(jobId)
        .catch(() => 0);
    }
    await this.#call(side, `cancel job ${jobId}`, () => side.store.announceCancel(jobId));
  }

  /** A secret kept in Redis, shared by every process using this queue (created on first use). */
  async sharedSecret(): Promise<string> {
    this.assertOpen();
    const side = await this.#open();
    return this.#call(side, "read the shared secret", () => side.store.secret(randomBytes(32).toString("base64url")));
  }

  protected async doClose(): Promise<void> {
    unregisterQueueWorkerSource(this);
    await Promise.all([...this.#workers].map((worker) => worker.close(0)));
    this.#workers.clear();
    const side = await this.#side?.catch(() => undefined);
    if (side === undefined) return;
    await side.queue?.close().catch(() => undefined);
    if (side.owned) await closeClient(side.client);
  }

  async #open(): Promise<WebSide> {
    this.#side ??= this.#createSide();
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

  async #createSide(): Promise<WebSide> {
    const deps = await loadDependencies();
    const { connection } = this.#options;
    const owned = "url" in connection;
    const client: OwnedClient = owned
      ? createClient(deps, connection, "web")
      : { client: connection.client as RedisClient };
    const { queueName, ttlMs, leaseMs, noWorkerTimeoutMs } = this.#options;
    const store = new JobStore(client.client, {
      keys: this.#keys,
      ttlMs,
      leaseMs,
      noWorkerMs: noWorkerTimeoutMs,
      noWorkerMessage: `No worker runs for queue "${queueName}": none has served it for ${noWorkerTimeoutMs / 1000} s. ${START_HINT}`,
      onNoWorker: (jobId) => this.#noWorker(side, jobId),
    });
    const side: WebSide = { deps, client, owned, store };
    return side;
  }

  /** A read ended a queued job because no worker runs: drop it from BullMQ, and warn once. */
  #noWorker(side: WebSide, jobId: string): void {
    void this.#queue(side)
      .remove(jobId)
      .catch(() => 0);
    if (this.#warnedNoWorker || this.closed) return;
    this.#warnedNoWorker = true;
    process.emitWarning(
      `[background-callbacks:queue] No worker runs for ${this.describe()}: queued jobs end with an error after ${this.#options.noWorkerTimeoutMs} ms. ${START_HINT}`,
      { code: "NO_WORKER" },
    );
  }

  #queue(side: WebSide): Queue<QueueJobData, void> {
    if (side.queue === undefined) {
      const { queueName, prefix } = this.#options;
      side.queue = new side.deps.bullmq.Queue<QueueJobData, void>(queueName, {
        connection: side.client.client,
        prefix,
      });
      // Failures reach the caller of each call; without a listener they would crash the process.
      side.queue.on("error", () => undefined);
    }
    return side.queue;
  }

  async #call<T>(side: WebSide, action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const down = side.client.client.status === "ready" ? undefined : (side.client.lastError ?? true);
      throw backendError(action, this.#options.connection.shown, error, down);
    }
  }
}
