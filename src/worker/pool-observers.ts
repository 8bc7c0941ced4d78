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
