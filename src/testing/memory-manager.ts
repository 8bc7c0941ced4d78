import { hostname } from "node:os";
import { BaseManager } from "../manager/base.js";
import type {
  JobHandle,
  JobOutcome,
  JobRequest,
  JobState,
  JobUpdate,
  Json,
  ManagerSnapshot,
  RunningJobInfo,
  SideUpdates,
  WatchOptions,
} from "../manager/contract.js";
import { newJobId } from "../manager/keys.js";
import { assertOptions, type LocalWorkerOptions, resolveLocalWorkerOptions } from "../manager/options.js";
import { jobUpdate, mergeSideUpdate } from "../manager/updates.js";
import { Watchers } from "../manager/watchers.js";
import { WorkerPool } from "../worker/pool.js";

const HOUR_MS = 3_600_000;

/** Options of {@link MemoryManager}. */
export interface MemoryManagerOptions extends LocalWorkerOptions {
  /** Memoise results for requests with `cache`. @default true */
  readonly caching?: boolean;
}

interface JobRecord {
  state: Exclude<JobState, "unknown">;
  callbackId?: string;
  /** Set when the job starts: what `inspect()` reports while it runs. */
  running?: RunningJobInfo;
  progress?: { value: Json };
  sideUpdates: SideUpdates;
  outcome?: JobOutcome;
  cacheKey?: { key: string; ttlMs: number };
  expiresAt: number;
}

/**
 * The reference custom manager: everything in this process's memory, jobs on local worker
 * processes through `WorkerPool`. It passes the whole conformance suite; other processes cannot
 * see its jobs (`capabilities.shared` is false). `docs/writing-a-manager.md` walks through it.
 */
export class MemoryManager extends BaseManager {
  readonly capabilities;
  protected readonly part = "memory";
  readonly #options: Required<LocalWorkerOptions>;
  readonly #jobs = new Map<string, JobRecord>();
  readonly #cache = new Map<string, { value: Json; expiresAt: number }>();
  readonly #watchers = new Watchers();
  /** Watches that also end when the queue moves (`{ queue: true }`). */
  readonly #moves = new Watchers();
  /** Ids of jobs not started yet, in the order the pool starts them. */
  readonly #queued = new Set<string>();
  /** End times of jobs that ended `lost`, oldest first, kept for an hour. */
  readonly #lost: number[] = [];
  #poolStartedAt = 0;
  #jobsDone = 0;
  #pool: WorkerPool | undefined;

  constructor(options: MemoryManagerOptions = {}) {
    super();
    assertOptions("memory", options);
    this.#options = resolveLocalWorkerOptions("memory", options);
    this.capabilities = Object.freeze({ caching: options.caching ?? true, shared: false, queueWatch: true });
  }

  protected async doSubmit(job: JobRequest): Promise<JobHandle> {
    this.#sweep();
    const jobId = newJobId();
    const hit = job.cache && this.#cache.get(job.cache.key);
    if (hit) {
      this.#jobs.set(jobId, this.#record("done", { kind: "result", value: hit.value, cached: true }));
      return { jobId };
    }
    const record = this.#record("queued");
    record.callbackId = job.callbackId;
    if (job.cache) record.cacheKey = job.cache;
    this.#jobs.set(jobId, record);
    this.#queued.add(jobId);
    this.#workers().submit({
      jobId,
      callbackId: job.callbackId,
      args: job.args,
      ...(job.context ? { context: job.context } : {}),
      ...(job.timeoutMs === undefined ? {} : { timeoutMs: job.timeoutMs }),
    });
    return { jobId };
  }

  protected async doTake(jobId: string): Promise<JobUpdate> {
    const record = this.#live(jobId);
    if (record === undefined) return {};
    const update = jobUpdate(record);
    record.progress = undefined;
    record.sideUpdates = {};
    return update;
  }

  protected async doStatus(jobId: string): Promise<JobState> {
    return this.#live(jobId)?.state ?? "unknown";
  }

  protected async doCancel(jobId: string): Promise<void> {
    if (this.#live(jobId)?.state === "done") return;
    this.#pool?.cancel(jobId);
  }

  protected async doClose(): Promise<void> {
    this.#watchers.closeAll();
    this.#moves.closeAll();
    await this.#pool?.close();
  }

  /**
   * Resolves at the job's next start, progress, side update or end, or when `signal` aborts or the
   * manager closes; with `{ queue: true }`, also when a job leaves the queue (it starts, or ends
   * while queued).
   */
  async watch(jobId: string, signal: AbortSignal, options?: WatchOptions): Promise<void> {
    this.checkWatch(jobId, signal);
    return (options?.queue === true ? this.#moves : this.#watchers).watch(jobId, signal);
  }

  /** Jobs that start before this one while it is queued; `undefined` once it runs, has ended, or is unknown. */
  async position(jobId: string): Promise<number | undefined> {
    this.checkPosition(jobId);
    if (!this.#queued.has(jobId)) return undefined;
    let ahead = 0;
    for (const id of this.#queued) {
      if (id === jobId) return ahead;
      ahead++;
    }
    return undefined;
  }

  /**
   * Queued and running jobs, and jobs that ended `lost` in the last hour. The one "worker" is this
   * process, which supervises the pool; it is listed once the pool has started.
   */
  async inspect(): Promise<ManagerSnapshot> {
    this.assertOpen();
    const at = Date.now();
    while (this.#lost.length > 0 && (this.#lost[0] as number) <= at - HOUR_MS) this.#lost.shift();
    const running: RunningJobInfo[] = [];
    for (const record of this.#jobs.values())
      if (record.running && record.state === "running") running.push(record.running);
    const host = hostname();
    const worker = {
      id: `${host}:${process.pid}`,
      host,
      pid: process.pid,
      startedAt: this.#poolStartedAt,
      lastSeen: at,
      jobsDone: this.#jobsDone,
      running: running.length,
    };
    return {
      at,
      queued: this.#queued.size,
      running,
      workers: this.#pool === undefined ? [] : [worker],
      lostLastHour: this.#lost.length,
    };
  }

  /** Pending `watch` calls; 0 once every watch resolved. */
  get watching(): number {
    return this.#watchers.size + this.#moves.size;
  }

  #record(state: JobRecord["state"], outcome?: JobOutcome): JobRecord {
    return { state, sideUpdates: {}, expiresAt: Date.now() + this.#options.ttlMs, ...(outcome ? { outcome } : {}) };
  }

  #live(jobId: string): JobRecord | undefined {
    const record = this.#jobs.get(jobId);
    if (record !== undefined && record.state === "done" && record.expiresAt <= Date.now()) {
      this.#jobs.delete(jobId);
      return undefined;
    }
    return record;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [id, record] of this.#jobs)
      if (record.state === "done" && record.expiresAt <= now) this.#jobs.delete(id);
    for (const [key, entry] of this.#cache) if (entry.expiresAt <= now) this.#cache.delete(key);
  }

  #workers(): WorkerPool {
    if (this.#pool === undefined) this.#poolStartedAt = Date.now();
    this.#pool ??= new WorkerPool(
      {
        module: this.#options.workerModule,
        concurrency: this.#options.concurrency,
        graceMs: this.#options.cancelGraceMs,
      },
      {
        start: (jobId) => {
          const record = this.#jobs.get(jobId);
          this.#left(jobId);
          if (record) {
            record.state = "running";
            const worker = `${hostname()}:${process.pid}`;
            record.running = { jobId, callbackId: record.callbackId ?? "", startedAt: Date.now(), worker };
          }
          this.#notify(jobId);
        },
        progress: (jobId, value) => {
          const record = this.#jobs.get(jobId);
          if (record && record.state !== "done") record.progress = { value };
          this.#notify(jobId);
        },
        props: (jobId, id, props) => {
          const record = this.#jobs.get(jobId);
          if (record && record.state !== "done") mergeSideUpdate(record.sideUpdates, id, props);
          this.#notify(jobId);
        },
        end: (jobId, outcome) => this.#end(jobId, outcome),
      },
    );
    return this.#pool;
  }

  /** News of the job: its watches end. */
  #notify(jobId: string): void {
    this.#watchers.notify(jobId);
    this.#moves.notify(jobId);
  }

  /** The job is no longer queued (it starts, or ended first): the queue moved. */
  #left(jobId: string): void {
    if (this.#queued.delete(jobId)) this.#moves.closeAll();
  }

  #end(jobId: string, outcome: JobOutcome): void {
    this.#left(jobId);
    const record = this.#jobs.get(jobId);
    if (record === undefined || record.state === "done") return;
    if (record.state === "running") this.#jobsDone++;
    if (outcome.kind === "lost") this.#lost.push(Date.now());
    record.state = "done";
    record.outcome = outcome;
    record.expiresAt = Date.now() + this.#options.ttlMs;
    // What the job reported before its end still reaches the poller, with the outcome; after a
    // cancel nothing does.
    if (outcome.kind === "cancelled") {
      record.progress = undefined;
      record.sideUpdates = {};
    }
    if (outcome.kind === "result" && record.cacheKey) {
      const { key, ttlMs } = record.cacheKey;
      this.#cache.set(key, { value: outcome.value, expiresAt: Date.now() + ttlMs });
    }
    this.#notify(jobId);
  }
}
