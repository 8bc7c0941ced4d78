import type { JobOutcome } from "../manager/contract.js";
import { globalSet } from "../manager/global-set.js";

/** A job as pool observers see it. Times are ms since the epoch. */
export interface ObservedJob {
  readonly jobId: string;
  readonly callbackId: string;
  /** When the job was submitted: its `submittedAt`, else when the pool received it. */
  readonly submittedAt: number;
  /** When its function was called; undefined for a job that ended before it started. */
  readonly startedAt?: number;
}

/** A job that ended, as pool observers see it. */
export interface EndedJob extends ObservedJob {
  readonly outcome: JobOutcome["kind"];
  /** Seconds from its start to its end (monotonic clock); undefined when it never started. */
  readonly runSeconds?: number;
}

/**
 * What every `WorkerPool` of this process reports, whoever created it (a DiskManager in the web
 * process, a queue worker in the worker CLI): for metrics. Observers only watch; what they throw
 * is ignored.
 */
export interface PoolObserver {
  /** A job's function was called. At most once per job. */
  started?(job: ObservedJob): void;
  /** A job ended, exactly once per job a pool received (also those that never started). */
  ended?(job: EndedJob): void;
}

const observers = globalSet<PoolObserver>("poolObservers");

/**
 * Adds an observer of every worker pool in this process; returns the function that removes it.
 * @example
 * ```ts
 * const stop = observePools({ ended: (job) => console.log(job.callbackId, job.outcome) });
 * ```
 */
export function observePools(observer: PoolObserver): () => void {
  observers.add(observer);
  return () => {
    observers.delete(observer);
  };
}

/** Whether anyone observes: a pool builds the jobs it reports only then. */
export function observing(): boolean {
  return observers.size > 0;
}

/** Tells every observer; one that throws does not keep the others or the pool from going on. */
export function notifyObservers<K extends keyof PoolObserver>(
  event: K,
  job: Parameters<NonNullable<PoolObserver[K]>>[0],
): void {
  for (const observer of observers) {
    try {
      (observer[event] as ((job: unknown) => void) | undefined)?.(job);
    } catch {
      // An observer's bug must not change what the pool does.
    }
  }
}

/** What a pool keeps of a job until its end, for its observers. */
export interface LiveJob {
  readonly callbackId: string;
  readonly submittedAt: number;
  startedAt?: number;
  /** `performance.now()` at the start: durations do not jump with the wall clock. */
  startMark?: number;
}

/** Marks the job started and tells the observers. */
export function observeStart(jobId: string, live: LiveJob | undefined): void {
  if (live === undefined) return;
  // Taken even with no observer yet: one added while the job runs sees its start and duration.
  live.startedAt = Date.now();
  live.startMark = performance.now();
  if (!observing()) return;
  notifyObservers("started", {
    jobId,
    callbackId: live.callbackId,
    submittedAt: live.submittedAt,
    startedAt: live.startedAt,
  });
}

/** Tells the observers of the job's end: `startedAt` and `runSeconds` only for a job that started. */
export function observeEnd(jobId: string, live: LiveJob, outcome: JobOutcome): void {
  if (!observing()) return;
  const { callbackId, submittedAt, startedAt, startMark } = live;
  const ended: EndedJob =
    startMark === undefined
      ? { jobId, callbackId, submittedAt, outcome: outcome.kind }
      : {
          jobId,
          callbackId,
          submittedAt,
          startedAt,
          runSeconds: (performance.now() - startMark) / 1000,
          outcome: outcome.kind,
        };
  notifyObservers("ended", ended);
}
