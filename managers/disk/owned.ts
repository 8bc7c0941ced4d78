import type { JobOutcome, Json } from "../../src/index.js";
import type { StoredJob } from "./records.js";
import type { DiskStore } from "./store.js";

interface Owned {
  readonly record: StoredJob;
  readonly cache?: { key: string; ttlMs: number };
  dirty: boolean;
  writing?: Promise<void>;
}

/**
 * The jobs this process runs. Each has one writer (this process), and writes of one job are
 * coalesced: a burst of progress becomes a few writes of the newest state, never out of order.
 */
export class OwnedJobs {
  readonly #jobs = new Map<string, Owned>();
  readonly #store: DiskStore;
  readonly #ttlMs: number;
  readonly #onError: (error: unknown) => void;

  constructor(store: DiskStore, ttlMs: number, onError: (error: unknown) => void) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#onError = onError;
  }

  /** Ids of the jobs not yet ended. */
  active(): string[] {
    return [...this.#jobs].filter(([, job]) => job.record.outcome === undefined).map(([id]) => id);
  }

  has(jobId: string): boolean {
    return this.#jobs.has(jobId);
  }

  /** Adds a queued job and writes it; resolves once other processes can read it. */
  async add(jobId: string, owner: string, cache?: { key: string; ttlMs: number }): Promise<void> {
    const record: StoredJob = { state: "queued", owner, seq: 0, props: [] };
    this.#jobs.set(jobId, { record, dirty: false, ...(cache ? { cache } : {}) });
    await this.#flush(jobId);
  }

  started(jobId: string): void {
    this.#change(jobId, (record) => {
      record.state = "running";
    });
  }

  progress(jobId: string, value: Json): void {
    this.#change(jobId, (record) => {
      record.seq++;
      record.progress = { seq: record.seq, value };
    });
  }

  props(jobId: string, id: string, props: Record<string, Json>): void {
    this.#change(jobId, (record) => {
      record.seq++;
      record.props.push({ seq: record.seq, id, props });
    });
  }

  /** Records the outcome, memoises a result, and forgets the job once written. */
  end(jobId: string, outcome: JobOutcome): Promise<void> {
    const job = this.#jobs.get(jobId);
    if (job === undefined || job.record.outcome !== undefined) return Promise.resolve();
    const { record } = job;
    record.state = "done";
    record.outcome = outcome;
    record.endedAt = Date.now();
    // Unread progress and side updates reach the poller with the outcome; after a cancel, nothing.
    if (outcome.kind === "cancelled") {
      record.progress = undefined;
      record.props = [];
    }
    const cached =
      outcome.kind === "result" && job.cache
        ? this.#store.set(`cache:${job.cache.key}`, outcome.value, job.cache.ttlMs)
        : Promise.resolve();
    const written = Promise.all([this.#flush(jobId), cached]).then(() => {
      this.#jobs.delete(jobId);
    });
    written.catch(this.#onError);
    return written;
  }

  /** Resolves when every pending write has landed. */
  async settle(): Promise<void> {
    await Promise.all([...this.#jobs.values()].map((job) => job.writing));
  }

  #change(jobId: string, apply: (record: StoredJob) => void): void {
    const job = this.#jobs.get(jobId);
    if (job === undefined || job.record.outcome !== undefined) return;
    apply(job.record);
    this.#flush(jobId).catch(this.#onError);
  }

  #flush(jobId: string): Promise<void> {
    const job = this.#jobs.get(jobId);
    if (job === undefined) return Promise.resolve();
    job.dirty = true;
    job.writing ??= this.#drain(job, jobId);
    return job.writing;
  }

  async #drain(job: Owned, jobId: string): Promise<void> {
    try {
      while (job.dirty) {
        job.dirty = false;
        const ack = (await this.#store.get<number>(`ack:${jobId}`)) ?? 0;
        // Side updates a poller acknowledged need not be stored again.
        job.record.props = job.record.props.filter((entry) => entry.seq > ack);
        await this.#store.set(`job:${jobId}`, structuredClone(job.record), this.#ttlMs);
      }
    } finally {
      // Cleared in the same tick as the last check of `dirty`, so no change is left unwritten.
      job.writing = undefined;
    }
  }
}
