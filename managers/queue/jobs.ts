import type { JobContext, JobOutcome, Json } from "../../src/index.js";
import type { Finish, HandBack, JobStore } from "./store.js";

const SHUTDOWN_REASON = "The worker shut down before the job ended (its shutdown grace period passed)";
const SUPERSEDED =
  "A newer run of the job took it over while this worker stalled past its lease; this run wrote nothing";

/** The data of a BullMQ job: what a worker needs to run it. */
export interface QueueJobData {
  readonly callbackId: string;
  readonly args: Json[];
  readonly context?: JobContext;
  readonly cache?: { readonly key: string; readonly ttlMs: number };
  /** The job's time limit, counted by the worker's pool from the job's start. */
  readonly timeoutMs?: number;
}

/** How a job left this worker: ended here, or handed back to the queue for another worker. */
export type Departure = "done" | "handBack";

interface LocalJob {
  readonly jobId: string;
  readonly data: QueueJobData;
  /** When the job was submitted (BullMQ's timestamp). */
  readonly queuedAt: number;
  readonly claimedAt: number;
  /**
   * Set while the worker hands the job to its pool in the same synchronous step as the claim's
   * answer: no message or write can have come in between, so the claim's read stands for the admit.
   */
  fresh: boolean;
  /**
   * The claim wrote the job's start (the worker expected an idle process to take it in the claim's
   * step): its process's start writes nothing. Cleared when the start is taken back.
   */
  claimStarted: boolean;
  /** The pool handed the job to a process in the claim's step. */
  dispatched: boolean;
  startedAt?: number;
  ended: boolean;
  /** The job's writes, in order: each waits for the one before, so Redis sees them in call order. */
  writes: Promise<unknown>;
  readonly depart: (how: Departure) => void;
}

/** What {@link LocalJobs} needs from its worker. */
export interface LocalJobsSettings {
  readonly store: JobStore;
  readonly owner: string;
  log(event: Record<string, unknown>): void;
  /** Stops a job that ended elsewhere (cancelled, lost, taken over). */
  stop(jobId: string): void;
}

/**
 * The jobs a queue worker holds: it took them from BullMQ and runs them on its `WorkerPool`. It
 * writes what the pool reports to Redis (one ordered chain of writes per job), renews their leases,
 * and logs each job's start and end.
 */
export class LocalJobs {
  readonly #jobs = new Map<string, LocalJob>();
  readonly #settings: LocalJobsSettings;
  #idle: (() => void)[] = [];
  #ended = 0;
  /**
   * Set when the worker shuts down. Jobs its pool then ends as `lost` are handed back to the queue
   * when they may start again (never started, or started once with `retryLost`); the others end
   * `lost`.
   */
  closing = false;

  constructor(settings: LocalJobsSettings) {
    this.#settings = settings;
  }

  get size(): number {
    return this.#jobs.size;
  }

  has(jobId: string): boolean {
    return this.#jobs.has(jobId);
  }

  /** A job claimed for this worker; `claimStarted` when the claim wrote its start too. */
  add(
    jobId: string,
    data: QueueJobData,
    queuedAt: number,
    depart: (how: Departure) => void,
    claimStarted = false,
  ): void {
    this.#jobs.set(jobId, {
      jobId,
      data,
      queuedAt,
      claimedAt: Date.now(),
      fresh: true,
      claimStarted,
      dispatched: false,
      ended: false,
      writes: Promise.resolve(),
      depart,
    });
  }

  /**
   * The job left the synchronous step of its claim: a later admit reads Redis again. Returns whether
   * the pool handed it to a process in that step; when it did not, a start the claim wrote is taken
   * back (the job waits for a process: it has not started).
   */
  settle(jobId: string): boolean {
    const job = this.#jobs.get(jobId);
    if (job === undefined) return false;
    job.fresh = false;
    this.#unstart(job);
    return job.dispatched;
  }

  /** Resolves when no job is held. */
  idle(): Promise<void> {
    return this.#jobs.size === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * The pool's gate before it starts a job: reads Redis once more (after the job's earlier writes),
   * so a cancel whose message this worker missed, or a takeover, keeps the job from starting. A job
   * admitted in the step of its claim needs no second read: the claim checked the same things, and
   * nothing could arrive in between (the `started` write checks them once more anyway).
   */
  admit(jobId: string): boolean | Promise<boolean> {
    const job = this.#jobs.get(jobId);
    if (job === undefined || job.ended) return false;
    if (!job.fresh) return this.#admit(job);
    // The pool asks right before it hands the job to an idle process.
    job.dispatched = true;
    return true;
  }

  /** Takes back the start the claim wrote, for a job no process took in the claim's step. */
  #unstart(job: LocalJob): void {
    if (!job.claimStarted || job.dispatched) return;
    job.claimStarted = false;
    const { store, owner } = this.#settings;
    this.#write(job, async () => {
      if (!(await store.unstart(job.jobId, owner)) && !job.ended) this.#settings.stop(job.jobId);
    });
  }

  async #admit(job: LocalJob): Promise<boolean> {
    const { jobId } = job;
    let admitted = true;
    await this.#write(job, async () => {
      admitted = await this.#settings.store.heartbeat(jobId, this.#settings.owner, "queued");
    });
    return admitted;
  }

  started(jobId: string, pid: number): void {
    const job = this.#jobs.get(jobId);
    if (job === undefined || job.ended) return;
    job.startedAt = Date.now();
    const { store, owner } = this.#settings;
    // The claim wrote the start, checking for a cancel in the same step; a later one comes as a message.
    if (!job.claimStarted)
      this.#write(job, async () => {
        // A cancel that came before the start (or while the job waited in the pool) stops it here.
        if (!(await store.started(jobId, owner))) this.#settings.stop(jobId);
      });
    this.#log("info", "job.started", job, { jobPid: pid, waitMs: (job.startedAt ?? 0) - job.queuedAt });
  }

  progress(jobId: string, value: Json): void {
    const job = this.#jobs.get(jobId);
    if (job && !job.ended) this.#write(job, () => this.#settings.store.progress(jobId, this.#settings.owner, value));
  }

  props(jobId: string, id: string, props: Record<string, Json>): void {
    const job = this.#jobs.get(jobId);
    if (job && !job.ended) this.#write(job, () => this.#settings.store.props(jobId, this.#settings.owner, id, props));
  }

  /** The pool ended the job: store its outcome (or hand it back), log it, and let BullMQ move on. */
  end(jobId: string, outcome: JobOutcome): void {
    const job = this.#jobs.get(jobId);
    if (job === undefined || job.ended) return;
    job.ended = true;
    this.#ended++;
    if (this.closing && outcome.kind === "lost") {
      // Claimed as the worker began to shut down, never handed to a process: not a start.
      this.#unstart(job);
      this.#handBack(job);
      return;
    }
    const { store, owner } = this.#settings;
    let stored: Finish = "ended";
    this.#write(job, async () => {
      stored = await store.finish(jobId, owner, outcome, job.data.cache);
    }).finally(() => {
      // A newer run took the job over while this worker stalled: its outcome is not this one.
      if (stored === "superseded") this.#log("warn", "job.superseded", job, { reason: SUPERSEDED });
      else this.#logEnd(job, outcome);
      this.#depart(job, "done");
    });
  }

  /** Jobs that ended on this worker (for the worker registry). */
  get ended(): number {
    return this.#ended;
  }

  /** At shutdown: back to the queue if the job may start again (Redis decides), else `lost`. */
  #handBack(job: LocalJob): void {
    let how: HandBack = "ended";
    this.#write(job, async () => {
      how = await this.#settings.store.handBack(job.jobId, this.#settings.owner, SHUTDOWN_REASON);
    }).finally(() => {
      if (how === "lost") this.#logEnd(job, { kind: "lost", reason: SHUTDOWN_REASON });
      else this.#log("info", "job.handedBack", job, { handedBack: how === "queued" });
      this.#depart(job, how === "queued" ? "handBack" : "done");
    });
  }

  /** Renews the lease of every job held; stops those that ended elsewhere. */
  async heartbeat(): Promise<void> {
    const { store, owner } = this.#settings;
    const beats = [...this.#jobs.values()]
      .filter((job) => !job.ended)
      .map(async (job) => {
        const state = job.startedAt === undefined && !job.claimStarted ? "queued" : "running";
        if (!(await store.heartbeat(job.jobId, owner, state)) && !job.ended) this.#settings.stop(job.jobId);
      });
    await Promise.all(beats);
  }

  #write(job: LocalJob, write: () => Promise<unknown>): Promise<void> {
    const next = job.writes.then(write).then(
      () => undefined,
      (error: unknown) => {
        this.#log("warn", "job.writeFailed", job, { message: error instanceof Error ? error.message : String(error) });
      },
    );
    job.writes = next;
    return next;
  }

  #depart(job: LocalJob, how: Departure): void {
    this.#jobs.delete(job.jobId);
    job.depart(how);
    if (this.#jobs.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  #logEnd(job: LocalJob, outcome: JobOutcome): void {
    const durationMs = Date.now() - (job.startedAt ?? job.claimedAt);
    switch (outcome.kind) {
      case "result":
      case "noUpdate":
        this.#log("info", "job.finished", job, { durationMs, outcome: outcome.kind });
        break;
      case "error":
        this.#log("warn", "job.failed", job, { durationMs, message: outcome.message });
        break;
      case "cancelled":
        this.#log("info", "job.cancelled", job, { durationMs });
        break;
      case "lost":
        this.#log("warn", "job.lost", job, { durationMs, reason: outcome.reason });
    }
  }

  #log(level: "info" | "warn", event: string, job: LocalJob, extra: Record<string, unknown>): void {
    this.#settings.log({ level, event, jobId: job.jobId, callbackId: job.data.callbackId, ...extra });
  }
}
