import {
  BaseManager,
  type JobHandle,
  type JobOutcome,
  type JobRequest,
  type JobState,
  type JobUpdate,
  type Json,
  jobUpdate,
  mergeSideUpdate,
  newJobId,
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
  readonly #jobs = new Map<string, Entry>();
  readonly #pool: WorkerPool;

  readonly #ttlMs: number;

  constructor(options: { workerModule: string; concurrency?: number; cancelGraceMs?: number; ttlMs?: number }) {
    super();
    this.#ttlMs = options.ttlMs ?? 86_400_000;
    this.#pool = new WorkerPool(
      { module: options.workerModule, concurrency: options.concurrency ?? 1, graceMs: options.cancelGraceMs ?? 1000 },
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
            setTimeout(() => this.#jobs.delete(id), this.#ttlMs).unref();
          }),
      },
    );
  }

  protected async doSubmit(job: JobRequest): Promise<JobHandle> {
    const jobId = newJobId();
    this.#jobs.set(jobId, { state: "queued", sideUpdates: {} });
    this.#pool.submit({
      jobId,
      callbackId: job.callbackId,
      args: job.args,
      ...(job.context ? { context: job.context } : {}),
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
    this.#pool.cancel(jobId);
  }

  protected async doClose(): Promise<void> {
    await this.#pool.close();
  }

  #update(jobId: string, change: (entry: Entry) => void): void {
    const entry = this.#jobs.get(jobId);
    if (entry !== undefined && entry.state !== "done") change(entry);
  }
}
