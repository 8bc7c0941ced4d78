import type { JobOutcome, Json } from "../../src/index.js";
import type { StoredJob } from "./records.js";
import type { DiskStore } from "./store.js";
import type { JobTable } from "./table.js";
import { WaitingLine } from "./waiting.js";

interface Owned {
  readonly record: StoredJob;
  readonly cache?: { key: string; ttlMs: number };
  dirty: boolean;
  writing?: Promise<void>;
}

/** What {@link OwnedJobs} reports to the manager. */
export interface OwnedEvents {
  /** A write failed; the job keeps its last written state. */
  error(error: unknown): void;
  /** Another process ended the job (cancelled or lost) first: stop it here, write nothing more. */
  stop(jobId: string): void;
  /**
   * A write of the job landed (or found the job ended elsewhere): a `take` now sees news. `ended`:
   * the job has its outcome in the file now (this write stored it, or another process did before).
   */
  changed(jobId: string, ended: boolean): void;
}

/** What {@link OwnedJobs.add} stores with a new job. */
export interface NewJob {
  readonly owner: string;
  /** The submit sequence of this process: the queue order. */
  readonly order: number;
  readonly callbackId: string;
  readonly cache?: { key: string; ttlMs: number } | undefined;
  readonly timeoutMs?: number | undefined;
}

/**
 * The jobs this process runs. Each has one writer (this process), and writes of one job are
 * coalesced: a burst of progress becomes a few writes of the newest state, never out of order.
 * Every write is conditional on the job having no outcome, so the first outcome stored wins.
 */
/** Most ended jobs whose final row {@link OwnedJobs.takeEnded} keeps for their first take. */
const MAX_ENDED = 1_024;

export class OwnedJobs {
  readonly #jobs = new Map<string, Owned>();
  /** Rows this process's end wrote (it won), of jobs without updates, until a take reads them or they expire. */
  readonly #ended = new Map<string, { readonly record: StoredJob; readonly expires: number }>();
  readonly #line = new WaitingLine();
  readonly #table: JobTable;
  readonly #store: DiskStore;
  readonly #events: OwnedEvents;

  constructor(table: JobTable, store: DiskStore, events: OwnedEvents) {
    this.#table = table;
    this.#store = store;
    this.#events = events;
  }

  /** Ids of the jobs not yet ended here. */
  active(): string[] {
    return [...this.#jobs].filter(([, job]) => job.record.outcome === undefined).map(([id]) => id);
  }

  /** Whether the job is this process's and has not ended here. */
  isOpen(jobId: string): boolean {
    const job = this.#jobs.get(jobId);
    return job !== undefined && job.record.outcome === undefined;
  }

  /** Jobs of this process that will start before this one, or `undefined` when it is not queued here. */
  position(jobId: string): number | undefined {
    return this.#line.position(jobId);
  }

  /** Adds a queued job and writes it; resolves once other processes can read it. */
  async add(jobId: string, { owner, order, callbackId, cache, timeoutMs }: NewJob): Promise<void> {
    const record: StoredJob = { state: "queued", owner, seq: 0, props: [], order, callbackId };
    if (timeoutMs !== undefined) record.timeoutMs = timeoutMs;
    this.#jobs.set(jobId, { record, dirty: false, ...(cache ? { cache } : {}) });
    this.#line.add(jobId, order);
    try {
      await this.#table.insert(jobId, record);
    } catch (error) {
      this.#jobs.delete(jobId);
      this.#line.remove(jobId);
      throw error;
    }
  }

  /**
   * The job left the queue: it is about to start. `written`: its row says `running` now (the
   * admit wrote it), so its start needs no write of its own unless it has a time limit.
   */
  admitted(jobId: string, written: boolean): void {
    this.#line.remove(jobId);
    const job = this.#jobs.get(jobId);
    if (written && job !== undefined && job.record.outcome === undefined) job.record.state = "running";
  }

  /**
   * The job's function was called. A job with a time limit may be ended as timed out by any
   * process from `marginMs` after its limit.
   */
  started(jobId: string, marginMs: number): void {
    this.#line.remove(jobId);
    const record = this.#jobs.get(jobId)?.record;
    // The admit stored `running` already: one write and one wake-up fewer per job.
    if (record?.state === "running" && record.timeoutMs === undefined) return;
    const startedAt = Date.now();
    this.#change(jobId, (record) => {
      record.state = "running";
      if (record.timeoutMs !== undefined) record.timeoutAt = startedAt + record.timeoutMs + marginMs;
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

  /** Stores the outcome unless another came first, memoises a result, and forgets the job. */
  end(jobId: string, outcome: JobOutcome): Promise<void> {
    const job = this.#jobs.get(jobId);
    if (job === undefined || job.record.outcome !== undefined) return Promise.resolve();
    const { record } = job;
    this.#line.remove(jobId);
    record.state = "done";
    record.outcome = outcome;
    record.endedAt = Date.now();
    // Unread progress and side updates reach the poller with the outcome; after a cancel, nothing.
    if (outcome.kind === "cancelled") {
      record.progress = undefined;
      record.props = [];
    }
    const written = this.#flush(jobId);
    written.catch(this.#events.error);
    return written;
  }

  /**
   * The final row of a job whose outcome this process stored, when the job had no progress or side
   * updates (so no take has anything to acknowledge): the row as it is in the file, which no
   * process changes any more. Read once; `undefined` for any other job, or once the row expired.
   */
  takeEnded(jobId: string): StoredJob | undefined {
    const ended = this.#ended.get(jobId);
    if (ended === undefined) return undefined;
    this.#ended.delete(jobId);
    return Date.now() <= ended.expires ? ended.record : undefined;
  }

  /** Resolves when every pending write has landed. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#jobs.values()].map((job) => job.writing));
  }

  #change(jobId: string, apply: (record: StoredJob) => void): void {
    const job = this.#jobs.get(jobId);
    if (job === undefined || job.record.outcome !== undefined) return;
    apply(job.record);
    this.#flush(jobId).catch(this.#events.error);
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
        // The record with its outcome changes no more: written as it is, without a copy.
        if (job.record.outcome !== undefined) return await this.#writeEnd(job, jobId, job.record);
        const record = structuredClone(job.record);
        const ack = await this.#table.write(jobId, record);
        this.#events.changed(jobId, ack === undefined);
        if (ack === undefined) {
          // Cancelled or found lost by another process: that outcome stands.
          this.#jobs.delete(jobId);
          this.#line.remove(jobId);
          this.#events.stop(jobId);
          return;
        }
        // Side updates a poller acknowledged need not be stored again.
        job.record.props = job.record.props.filter((entry) => entry.seq > ack);
      }
    } finally {
      // Cleared in the same tick as the last check of `dirty`, so no change is left unwritten.
      job.writing = undefined;
    }
  }

  async #writeEnd(job: Owned, jobId: string, record: StoredJob): Promise<void> {
    const { outcome, endedAt } = record;
    if (outcome === undefined || endedAt === undefined) return;
    let won = false;
    try {
      won = await this.#table.end(jobId, { ...record, outcome, endedAt });
      if (won && record.seq === 0) this.#remember(jobId, record, endedAt + this.#table.ttlMs);
    } finally {
      this.#jobs.delete(jobId);
      this.#events.changed(jobId, true);
    }
    if (won && outcome.kind === "result" && job.cache) {
      await this.#store.set(`cache:${job.cache.key}`, outcome.value, job.cache.ttlMs);
    }
  }

  #remember(jobId: string, record: StoredJob, expires: number): void {
    this.#ended.set(jobId, { record, expires });
    // Ends nobody takes (a page that went away) are dropped oldest first.
    if (this.#ended.size > MAX_ENDED) this.#ended.delete(this.#ended.keys().next().value as string);
  }
}
