import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import {
  assertOptions,
  BackgroundCallbackError,
  BaseManager,
  describeValue,
  invalidArgument,
  type JobHandle,
  type JobRequest,
  type JobState,
  type JobUpdate,
  type Json,
  type ManagerSnapshot,
  newJobId,
  registerInspectable,
  unregisterInspectable,
  type WatchOptions,
  WorkerPool,
  type WorkerPoolEvents,
} from "../../src/index.js";
import { emptySnapshot, inspectDisk } from "./inspect.js";
import { type DiskManagerOptions, type ResolvedDiskOptions, resolveDiskOptions } from "./options.js";
import { OwnedJobs } from "./owned.js";
import { type StoredJob, updateSince } from "./records.js";
import { Sequencer } from "./sequencer.js";
import { readSettled } from "./settle.js";
import { DiskStore } from "./store.js";
import { JobTable } from "./table.js";
import { Upkeep } from "./upkeep.js";
import { DiskWatches } from "./watch.js";

export type { DiskManagerOptions } from "./options.js";

interface Opened {
  readonly store: DiskStore;
  readonly table: JobTable;
  readonly owned: OwnedJobs;
}

/** A job ready for the pool, or a handle already complete (a memoised result). */
type Prepared = { readonly jobId: string; readonly queued?: { readonly job: JobRequest; readonly owned: OwnedJobs } };

/**
 * The embedded manager for one machine: state in one SQLite file through Keyv, jobs on worker
 * processes supervised by the process that submitted them. Other processes opening the same file
 * can poll and cancel those jobs. No server to run.
 *
 * @example
 * ```ts
 * const manager = new DiskManager({ path: "./cache.sqlite", concurrency: 2 });
 * const { jobId } = await manager.submit({ callbackId: "report", args: [42] });
 * ```
 */
export class DiskManager extends BaseManager {
  readonly capabilities = Object.freeze({ caching: true, shared: true, queueWatch: true });
  protected readonly part = "disk";
  readonly #options: ResolvedDiskOptions;
  // Starts with the pid, so it never starts with ":" (which Keyv's encoding would escape).
  readonly #owner = `${process.pid}@${hostname()}#${randomBytes(6).toString("base64url")}`;
  readonly #flow = new Sequencer();
  readonly #watches: DiskWatches;
  readonly #upkeep: Upkeep;
  /** Submits so far: each job's place in this process's queue. */
  #submitted = 0;
  #opening: Promise<Opened> | undefined;
  #opened: Opened | undefined;
  #pool: WorkerPool | undefined;

  constructor(options: DiskManagerOptions = {}) {
    super();
    assertOptions("disk", options);
    this.#options = resolveDiskOptions(options);
    this.#upkeep = new Upkeep(this.#options, this.#owner);
    this.#watches = new DiskWatches(
      {
        isLocal: (jobId) => this.#opened?.owned.isOpen(jobId) ?? false,
        dataVersion: async () => (await this.#open()).store.dataVersion(),
        versions: async (jobIds) => (await this.#open()).table.versions(jobIds),
        error: (error) => this.#report(error),
      },
      this.#options.watchPollMs,
    );
    // The status command finds the managers an app module created through this registry.
    registerInspectable(this);
  }

  /** For reports: `disk file "./cache.sqlite" (namespace "bgcb")`. */
  describe(): string {
    return `disk file "${this.#options.path}" (namespace "${this.#options.namespace}")`;
  }

  /** The SQLite file's path, as given. */
  get path(): string {
    return this.#options.path;
  }

  protected doSubmit(job: JobRequest): Promise<JobHandle> {
    // The order is fixed here, synchronously; the writes of overlapping submits may overlap.
    const order = ++this.#submitted;
    return this.#flow.inOrder(
      () => this.#prepare(job, order),
      (prepared) => this.#dispatch(prepared),
    );
  }

  protected doTake(jobId: string): Promise<JobUpdate> {
    return this.#flow.track(
      (async () => {
        const { table, owned } = await this.#open();
        // A job this process ended without updates: its row is final, known here, nothing to acknowledge.
        const ended = owned.takeEnded(jobId);
        if (ended !== undefined) return updateSince(ended, ended.seq);
        // Settle a dead owner's job first, so that the take below sees its final row.
        const job = await this.#read(jobId);
        if (job === undefined) return {};
        // Nothing new: answered by a read, so that idle polls never wait for the write lock.
        if (job.seq <= (job.ack ?? 0)) return updateSince(job, job.seq);
        const taken = await table.take(jobId);
        return taken === undefined ? {} : updateSince(taken.job, taken.since);
      })(),
    );
  }

  protected doStatus(jobId: string): Promise<JobState> {
    return this.#flow.track(this.#read(jobId).then((job) => job?.state ?? "unknown"));
  }

  protected doCancel(jobId: string): Promise<void> {
    return this.#flow.track(
      (async () => {
        const { table, owned } = await this.#open();
        if (await table.cancel(jobId)) this.#watches.notify(jobId);
        if (owned.isOpen(jobId)) {
          this.#stop(owned, jobId);
          await owned.settle();
        }
      })(),
    );
  }

  /**
   * Resolves when the job may have news. A job this process runs is told by its own writes, at
   * once; a job of another process is noticed by one loop per manager that reads the file's
   * change counter every `watchPollMs` while such watches are pending. With `{ outcome: true }`, a
   * watch of a job this process runs waits for its outcome: its start and progress leave it pending.
   * With `{ queue: true }`, the queue moving wakes it too (see `DiskWatches`).
   * @throws `MANAGER_CLOSED` after `close()`; `INVALID_ARGUMENT` for a bad id, signal or options.
   */
  async watch(jobId: string, signal: AbortSignal, options?: WatchOptions): Promise<void> {
    this.checkWatch(jobId, signal);
    if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
      throw invalidArgument("disk", `Expected \`options\` of watch to be an object, got ${describeValue(options)}`);
    }
    return this.#watches.watch(jobId, signal, options?.outcome === true, options?.queue === true);
  }

  /**
   * Jobs that will start before this queued job: this process's queue for its own jobs, the
   * owner's queued jobs with an earlier submit (read from the file) for another process's.
   * `undefined` once the job runs, has ended, or is unknown.
   * @throws `MANAGER_CLOSED` after `close()`; `INVALID_ARGUMENT` for a bad id.
   */
  async position(jobId: string): Promise<number | undefined> {
    this.checkPosition(jobId);
    return this.#flow.track(
      (async () => {
        const { table, owned } = await this.#open();
        if (owned.isOpen(jobId)) return owned.position(jobId);
        const job = await this.#read(jobId);
        if (job?.state !== "queued" || job.outcome !== undefined || job.order === undefined) return undefined;
        return table.ahead(job.owner, job.order);
      })(),
    );
  }

  /**
   * A snapshot of the jobs in this manager's namespace of the file, whichever process runs them:
   * queued jobs, running jobs with the process that runs them (the web process whose pool does:
   * DiskManager jobs run under the process that submitted them), the processes whose heartbeat
   * (lease) is live, and jobs that ended `lost` in the last hour (as long as their records live:
   * `ttlMs`). A file that does not exist yet reads as empty and is not created. Index reads only.
   * @throws `BACKEND` when the file cannot be read; `MANAGER_CLOSED` after `close()`.
   */
  async inspect(): Promise<ManagerSnapshot> {
    this.assertOpen();
    return this.#flow.track(
      (async () => {
        if (this.#opening === undefined && !existsSync(this.#options.path)) return emptySnapshot();
        return inspectDisk((await this.#open()).store);
      })(),
    );
  }

  /** Pending watches of this manager. */
  get watching(): number {
    return this.#watches.size;
  }

  /** A secret kept in the file and read from it on every call, shared by every process that opens it. */
  async sharedSecret(): Promise<string> {
    this.assertOpen();
    return this.#flow.track(
      this.#open().then(({ store }) => store.insertIfAbsent("secret", randomBytes(32).toString("base64url"))),
    );
  }

  protected async doClose(): Promise<void> {
    unregisterInspectable(this);
    // Submits in flight end before the pool closes: none can create a pool or queue a job after it.
    this.#watches.close();
    this.#upkeep.stop();
    await this.#flow.settled();
    const opened = await this.#opening?.catch(() => undefined);
    if (opened === undefined) return;
    await this.#pool?.close();
    await opened.owned.settle();
    await opened.store.delete(`lease:${this.#owner}`).catch(() => undefined);
    await opened.store.close();
  }

  async #prepare(job: JobRequest, order: number): Promise<Prepared> {
    const { store, table, owned } = await this.#open();
    const jobId = newJobId();
    if (job.cache) {
      const hit = await store.get<Json>(`cache:${job.cache.key}`);
      if (hit !== undefined) {
        const endedAt = Date.now();
        const outcome = { kind: "result", value: hit, cached: true } as const;
        await table.insert(jobId, { state: "done", owner: this.#owner, seq: 0, props: [], outcome, endedAt });
        return { jobId };
      }
    }
    // The lease is written before the job, so no reader finds the job without a live lease.
    await this.#upkeep.renewLease(store);
    await owned.add(jobId, {
      owner: this.#owner,
      order,
      callbackId: job.callbackId,
      cache: job.cache,
      timeoutMs: job.timeoutMs,
    });
    return { jobId, queued: { job, owned } };
  }

  async #dispatch({ jobId, queued }: Prepared): Promise<JobHandle> {
    if (queued === undefined) return { jobId };
    const { job, owned } = queued;
    if (this.closed) {
      await owned.end(jobId, { kind: "lost", reason: "The manager was closed before the job started" });
      this.assertOpen();
    }
    // Cancelled (here or by another process) before its turn came: it never reaches the pool.
    if (!owned.isOpen(jobId)) return { jobId };
    this.#workers(owned).submit({
      jobId,
      callbackId: job.callbackId,
      args: job.args,
      ...(job.context ? { context: job.context } : {}),
      ...(job.timeoutMs === undefined ? {} : { timeoutMs: job.timeoutMs }),
    });
    return { jobId };
  }

  /** The job's row, settled: see {@link readSettled}. */
  async #read(jobId: string): Promise<StoredJob | undefined> {
    const { store, table, owned } = await this.#open();
    return readSettled(
      { store, table, isLocal: (id) => owned.isOpen(id), ended: (id) => this.#watches.notify(id) },
      jobId,
    );
  }

  #open(): Promise<Opened> {
    // Calls made before close() finish on the open file; nothing opens it again after.
    if (this.#opening === undefined) this.assertOpen();
    this.#opening ??= DiskStore.open(this.#options.path, this.#options.namespace, this.#options.busyTimeoutMs).then(
      (store) => {
        const table = new JobTable(store, this.#options.ttlMs);
        const owned: OwnedJobs = new OwnedJobs(table, store, {
          error: (error) => this.#report(error),
          stop: (jobId) => this.#stop(owned, jobId),
          changed: (jobId, ended) => (ended ? this.#watches.notify(jobId) : this.#watches.news(jobId)),
        });
        if (!this.closed) {
          this.#upkeep.start(store, table, owned, {
            stop: (jobId) => this.#stop(owned, jobId),
            lost: (jobId) => this.#watches.notify(jobId),
            error: (error) => this.#report(error),
          });
        }
        this.#opened = { store, table, owned };
        return this.#opened;
      },
    );
    // A failed open is retried by the next call instead of failing forever.
    this.#opening.catch(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  /** Stops a job of this process that another outcome (a cancel, `lost`) ended first. */
  #stop(owned: OwnedJobs, jobId: string): void {
    if (this.#pool?.cancel(jobId)) return;
    // Not in the pool yet (its submit waits for its turn), or already gone from it.
    void owned.end(jobId, { kind: "cancelled" });
  }

  #workers(owned: OwnedJobs): WorkerPool {
    if (this.#pool !== undefined) return this.#pool;
    const events: WorkerPoolEvents & { admit(jobId: string): Promise<boolean> } = {
      // Right before a queued job starts: a cancel stored by any process keeps it from starting.
      admit: (jobId) => this.#admit(owned, jobId),
      // A job that ended while the pool admitted it (a cancel in between) is stopped at once.
      start: (jobId) => (owned.isOpen(jobId) ? owned.started(jobId, this.#timeoutMarginMs) : this.#pool?.cancel(jobId)),
      progress: (jobId, value) => owned.progress(jobId, value),
      props: (jobId, id, props) => owned.props(jobId, id, props),
      end: (jobId, outcome) => {
        this.#upkeep.jobEnded();
        void owned.end(jobId, outcome);
      },
    };
    this.#pool = new WorkerPool(
      {
        module: this.#options.workerModule,
        concurrency: this.#options.concurrency,
        graceMs: this.#options.cancelGraceMs,
      },
      events,
    );
    return this.#pool;
  }

  async #admit(owned: OwnedJobs, jobId: string): Promise<boolean> {
    if (!owned.isOpen(jobId)) return false;
    try {
      const admitted = await (await this.#open()).table.admit(jobId);
      owned.admitted(jobId, admitted);
      if (admitted) this.#watches.news(jobId);
      return admitted;
    } catch (error) {
      // The file is unreachable: run the job rather than drop it; its writes will tell.
      this.#report(error);
      return true;
    }
  }

  /**
   * How long after a job's time limit other processes wait before they end it themselves: the
   * owner's own limit, kill included, comes first unless the owner stalls.
   */
  get #timeoutMarginMs(): number {
    return this.#options.cancelGraceMs + this.#options.heartbeatMs;
  }

  #report(error: unknown): void {
    if (this.closed) return;
    const message = error instanceof Error ? error.message : String(error);
    process.emitWarning(message, { code: error instanceof BackgroundCallbackError ? error.code : "BACKEND" });
  }
}
