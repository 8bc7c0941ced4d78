import {
  BaseManager,
  type JobHandle,
  type JobOutcome,
  type JobRequest,
  type JobState,
  type JobUpdate,
  type Json,
  jobUpdate,
  type LocalWorkerOptions,
  mergeSideUpdate,
  newJobId,
  resolveLocalWorkerOptions,
  type SideUpdates,
  WorkerPool,
} from "background-callbacks";

interface Entry {
  state: "queued" | "running" | "done";
  progress?: { value: Json };
  sideUpdates: SideUpdates;
  outcome?: JobOutcome;
}

/** Jobs on local worker processes, state in a Map: the smallest manager that passes the suite. */
export class MapManager extends BaseManager {
  readonly capabilities = Object.freeze({ caching: false, shared: false });
  protected readonly part = "map";
  readonly #options: Required<LocalWorkerOptions>;
  readonly #jobs = new Map<string, Entry>();
  #pool: WorkerPool | undefined;

  constructor(options: LocalWorkerOptions = {}) {
    super();
    // Checks and defaults only: worker processes import the app module, so they construct this too.
    this.#options = resolveLocalWorkerOptions(this.part, options);
  }

  protected async doSubmit(job: JobRequest): Promise<JobHandle> {
    const jobId = newJobId();
    this.#jobs.set(jobId, { state: "queued", sideUpdates: {} });
    this.#workers().submit({
      jobId,
      callbackId: job.callbackId,
      args: job.args,
      ...(job.context ? { context: job.context } : {}),
      ...(job.timeoutMs !== undefined ? { timeoutMs: job.timeoutMs } : {}),
    });
    return { jobId };
  }

  protected async doTake(jobId: string): Promise<JobUpdate> {
    const entry = this.#jobs.get(jobId);
    if (entry === undefined) return {};
    const update = jobUpdate(entry);
    entry.progress = undefined;
    entry.sideUpdates = {};
    return update;
  }

  protected async doStatus(jobId: string): Promise<JobState> {
    return this.#jobs.get(jobId)?.state ?? "unknown";
  }

  protected async doCancel(jobId: string): Promise<void> {
    this.#pool?.cancel(jobId);
  }

  protected async doClose(): Promise<void> {
    await this.#pool?.close();
  }

  /** The pool starts with the first job, never in the constructor. */
  #workers(): WorkerPool {
    const { workerModule, concurrency, cancelGraceMs, ttlMs } = this.#options;
    this.#pool ??= new WorkerPool(
      { module: workerModule, concurrency, graceMs: cancelGraceMs },
      {
        start: (id) =>
          this.#update(id, (entry) => {
            entry.state = "running";
          }),
        progress: (id, value) =>
          this.#update(id, (entry) => {
            entry.progress = { value };
          }),
        props: (id, component, props) =>
          this.#update(id, (entry) => mergeSideUpdate(entry.sideUpdates, component, props)),
        end: (id, outcome) =>
          this.#update(id, (entry) => {
            Object.assign(entry, { state: "done", outcome });
            if (outcome.kind === "cancelled") Object.assign(entry, { progress: undefined, sideUpdates: {} });
            // Every record expires: storage must not grow without bound.
            setTimeout(() => this.#jobs.delete(id), ttlMs).unref();
          }),
      },
    );
    return this.#pool;
  }

  #update(jobId: string, change: (entry: Entry) => void): void {
    const entry = this.#jobs.get(jobId);
    if (entry !== undefined && entry.state !== "done") change(entry);
  }
}
