import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  assertInteger,
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
  type LocalWorkerOptions,
  newJobId,
  resolveLocalWorkerOptions,
  WorkerPool,
} from "../../src/index.js";
import { OwnedJobs } from "./owned.js";
import {
  type CancelRequest,
  effectiveOutcome,
  effectiveState,
  type Lease,
  type StoredJob,
  updateSince,
} from "./records.js";
import { DiskStore } from "./store.js";

/** Options of {@link DiskManager}. Every duration is in milliseconds. */
export interface DiskManagerOptions extends LocalWorkerOptions {
  /** The SQLite file; created when missing. Share it between processes to share jobs. @default "./background-callbacks.sqlite" */
  readonly path?: string;
  /** How long SQLite waits for another process's lock before failing. @default 10_000 */
  readonly busyTimeoutMs?: number;
  /** How often this process looks for cancel requests from other processes. @default 100 */
  readonly cancelPollMs?: number;
  /** How often this process renews its heartbeat while it is open. @default 1_000 */
  readonly heartbeatMs?: number;
  /** A job whose process has not renewed its heartbeat for this long is `lost`. @default 5_000 */
  readonly leaseMs?: number;
  /** How often expired records are deleted from the file. @default 60_000 */
  readonly sweepIntervalMs?: number;
  /** Prefix of every key, so several apps can share one file. @default "bgcb" */
  readonly namespace?: string;
}

type Resolved = Required<DiskManagerOptions>;

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
  readonly capabilities = Object.freeze({ caching: true, shared: true });
  protected readonly part = "disk";
  readonly #options: Resolved;
  readonly #owner = `${hostname()}:${process.pid}:${randomBytes(6).toString("base64url")}`;
  #opening: Promise<{ store: DiskStore; owned: OwnedJobs }> | undefined;
  #pool: WorkerPool | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  #leaseAt = 0;

  constructor(options: DiskManagerOptions = {}) {
    super();
    assertOptions("disk", options);
    this.#options = resolveOptions(options);
  }

  /** The SQLite file's path, as given. */
  get path(): string {
    return this.#options.path;
  }

  protected async doSubmit(job: JobRequest): Promise<JobHandle> {
    const { store, owned } = await this.#open();
    const jobId = newJobId();
    if (job.cache) {
      const hit = await store.get<Json>(`cache:${job.cache.key}`);
      if (hit !== undefined) {
        const record: StoredJob = {
          state: "done",
          owner: this.#owner,
          seq: 0,
          props: [],
          outcome: { kind: "result", value: hit, cached: true },
          endedAt: Date.now(),
        };
        await store.set(`job:${jobId}`, record, this.#options.ttlMs);
        return { jobId };
      }
    }
    await this.#renewLease(store);
    await owned.add(jobId, this.#owner, job.cache);
    this.#workers(owned).submit({
      jobId,
      callbackId: job.callbackId,
      args: job.args,
      ...(job.context ? { context: job.context } : {}),
    });
    return { jobId };
  }

  protected async doTake(jobId: string): Promise<JobUpdate> {
    const { store } = await this.#open();
    const read = await this.#read(store, jobId);
    if (read === undefined) return {};
    const { job, outcome, ack } = read;
    const update = updateSince(job, outcome, ack);
    if (job.seq > ack && outcome?.kind !== "cancelled") await store.set(`ack:${jobId}`, job.seq, this.#options.ttlMs);
    return update;
  }

  protected async doStatus(jobId: string): Promise<JobState> {
    const { store } = await this.#open();
    const read = await this.#read(store, jobId);
    return read === undefined ? "unknown" : effectiveState(read.job, read.outcome);
  }

  protected async doCancel(jobId: string): Promise<void> {
    const { store, owned } = await this.#open();
    if (owned.has(jobId)) {
      this.#pool?.cancel(jobId);
      await owned.settle();
      return;
    }
    const read = await this.#read(store, jobId);
    if (read === undefined || read.outcome !== undefined) return;
    const request: CancelRequest = { at: Date.now() };
    await store.set(`cancel:${jobId}`, request, this.#options.ttlMs);
  }

  /** A secret kept in the file, shared by every process that opens it (created on first use). */
  async sharedSecret(): Promise<string> {
    this.assertOpen();
    const { store } = await this.#open();
    return store.insertIfAbsent("secret", randomBytes(32).toString("base64url"));
  }

  protected async doClose(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    if (this.#opening === undefined) return;
    const { store, owned } = await this.#opening.catch(() => ({ store: undefined, owned: undefined }));
    await this.#pool?.close();
    await owned?.settle();
    if (store) {
      await store.delete(`lease:${this.#owner}`).catch(() => undefined);
      await store.close();
    }
  }

  async #read(
    store: DiskStore,
    jobId: string,
  ): Promise<{ job: StoredJob; outcome: ReturnType<typeof effectiveOutcome>; ack: number } | undefined> {
    const [job, ack, cancel] = await store.getMany<[StoredJob, number, CancelRequest]>([
      `job:${jobId}`,
      `ack:${jobId}`,
      `cancel:${jobId}`,
    ]);
    if (job === undefined) return undefined;
    const alive = job.outcome !== undefined || (await this.#ownerAlive(store, job.owner));
    return { job, outcome: effectiveOutcome(job, cancel, alive), ack: ack ?? 0 };
  }

  async #ownerAlive(store: DiskStore, owner: string): Promise<boolean> {
    if (owner === this.#owner) return true;
    const lease = await store.get<Lease>(`lease:${owner}`);
    return lease !== undefined && Date.now() <= lease.until;
  }

  #open(): Promise<{ store: DiskStore; owned: OwnedJobs }> {
    this.#opening ??= DiskStore.open(this.#options.path, this.#options.namespace, this.#options.busyTimeoutMs).then(
      (store) => {
        const owned = new OwnedJobs(store, this.#options.ttlMs, (error) => this.#report(error));
        this.#startTimers(store, owned);
        return { store, owned };
      },
    );
    // A failed open is retried by the next call instead of failing forever.
    this.#opening.catch(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  #startTimers(store: DiskStore, owned: OwnedJobs): void {
    const every = (ms: number, fn: () => Promise<unknown>): void => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy || this.closed) return;
        busy = true;
        fn()
          .catch((error: unknown) => this.#report(error))
          .finally(() => {
            busy = false;
          });
      }, ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(this.#options.heartbeatMs, () => (owned.active().length > 0 ? this.#renewLease(store) : Promise.resolve()));
    every(this.#options.cancelPollMs, () => this.#pollCancels(store, owned));
    every(this.#options.sweepIntervalMs, () => store.sweep());
  }

  async #renewLease(store: DiskStore): Promise<void> {
    const now = Date.now();
    if (now - this.#leaseAt < this.#options.heartbeatMs / 2) return;
    this.#leaseAt = now;
    const lease: Lease = { until: now + this.#options.leaseMs };
    await store.set(`lease:${this.#owner}`, lease, this.#options.leaseMs * 4);
  }

  async #pollCancels(store: DiskStore, owned: OwnedJobs): Promise<void> {
    const active = owned.active();
    if (active.length === 0) return;
    const requests = await store.getMany<CancelRequest[]>(active.map((id) => `cancel:${id}`));
    active.forEach((jobId, index) => {
      if (requests[index] !== undefined) this.#pool?.cancel(jobId);
    });
  }

  #workers(owned: OwnedJobs): WorkerPool {
    this.#pool ??= new WorkerPool(
      {
        module: this.#options.workerModule,
        concurrency: this.#options.concurrency,
        graceMs: this.#options.cancelGraceMs,
      },
      {
        start: (jobId) => owned.started(jobId),
        progress: (jobId, value) => owned.progress(jobId, value),
        props: (jobId, id, props) => owned.props(jobId, id, props),
        end: (jobId, outcome) => void owned.end(jobId, outcome),
      },
    );
    return this.#pool;
  }

  #report(error: unknown): void {
    if (this.closed) return;
    const message = error instanceof Error ? error.message : String(error);
    process.emitWarning(message, { code: error instanceof BackgroundCallbackError ? error.code : "BACKEND" });
  }
}

function resolveOptions(options: DiskManagerOptions): Resolved {
  const path = options.path ?? "./background-callbacks.sqlite";
  if (typeof path !== "string" || path.length === 0) {
    throw invalidArgument("disk", `Expected \`path\` to be the path of a SQLite file, got ${describeValue(path)}`);
  }
  const namespace = options.namespace ?? "bgcb";
  if (typeof namespace !== "string" || !/^[\w.-]{1,64}$/.test(namespace)) {
    throw invalidArgument(
      "disk",
      `Expected \`namespace\` to be 1 to 64 letters, digits, "_", "." or "-", got ${describeValue(namespace)}`,
    );
  }
  const resolved: Resolved = {
    ...resolveLocalWorkerOptions("disk", options),
    path,
    namespace,
    busyTimeoutMs: options.busyTimeoutMs ?? 10_000,
    cancelPollMs: options.cancelPollMs ?? 100,
    heartbeatMs: options.heartbeatMs ?? 1_000,
    leaseMs: options.leaseMs ?? 5_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
  };
  for (const name of ["busyTimeoutMs", "cancelPollMs", "heartbeatMs", "leaseMs", "sweepIntervalMs"] as const) {
    assertInteger("disk", name, resolved[name], 1);
  }
  if (resolved.leaseMs < resolved.heartbeatMs * 2) {
    throw invalidArgument(
      "disk",
      `Expected \`leaseMs\` to be at least twice \`heartbeatMs\` (${resolved.heartbeatMs}), got ${describeValue(resolved.leaseMs)}`,
    );
  }
  return resolved;
}
