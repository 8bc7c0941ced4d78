import { queueTag } from "./ids.js";

/**
 * The Redis hash tag of a key, as Redis Cluster reads it: the text between the first `{` and the
 * first `}` after it, when that text is not empty. Keys with the same tag share a hash slot.
 */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf("{");
  if (open < 0) return undefined;
  const close = key.indexOf("}", open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/**
 * The keys of one queue. BullMQ's keys are `<prefix>:<queue>:<type>` (and `<prefix>:<queue>:<job id>`);
 * this manager's are `<prefix>:<queue>:cb:<type>:<id>`, so a `{hash tag}` in the prefix puts every
 * key of the queue, BullMQ's and ours, in one Redis Cluster slot.
 */
export class QueueKeys {
  readonly #base: string;
  readonly #bull: string;
  /** Tells this queue's job ids from other queues' (see `queueJobId`). */
  readonly tag: string;

  constructor(prefix: string, queueName: string) {
    this.#bull = `${prefix}:${queueName}:`;
    this.#base = `${this.#bull}cb:`;
    this.tag = queueTag(this.#base);
  }

  /** Hash: state, owner, outcome, endedAt, progress, seq, runs, retry, submittedAt, startedAt. */
  job(jobId: string): string {
    return `${this.jobPrefix}${jobId}`;
  }

  /** What `job(id)` puts before the id (for scripts that visit records by id). */
  get jobPrefix(): string {
    return `${this.#base}job:`;
  }

  /** List of side updates not yet taken, as JSON `[componentKey, props]`, in call order. */
  props(jobId: string): string {
    return `${this.#base}props:${jobId}`;
  }

  /** The owning worker's lease on a job (PX TTL, renewed by heartbeats). */
  lease(jobId: string): string {
    return `${this.#base}lease:${jobId}`;
  }

  /** "Cancel requested": short-lived; a worker checks it when it takes the job. */
  cancel(jobId: string): string {
    return `${this.#base}cancel:${jobId}`;
  }

  /** A memoised result (JSON), with the request's TTL. */
  cache(key: string): string {
    return `${this.#base}cache:${key}`;
  }

  /**
   * Hash `{ id, since }`: the epoch of the queue's data, created with the first job. Job ids end
   * with it, so a record missing under a newer epoch is known to be lost (Redis lost its data),
   * not expired.
   */
  get epoch(): string {
    return `${this.#base}epoch`;
  }

  /**
   * Sorted set of the ids of jobs submitted and not yet claimed by a worker, scored by submit time
   * (ms): how the records of submits whose BullMQ add never happened are found (see `SWEEP`).
   */
  get pending(): string {
    return `${this.#base}pending`;
  }

  /** Sorted set of worker ids, scored by when each was last seen (ms): the worker registry. */
  get workers(): string {
    return `${this.#base}workers`;
  }

  /** Hash describing one worker (host, pid, startedAt, lastSeen, jobsDone, ...), with a TTL of `leaseMs`. */
  worker(workerId: string): string {
    return `${this.#base}worker:${workerId}`;
  }

  /** Sorted set of the ids of jobs that ended `lost`, scored by end time (ms), trimmed to an hour. */
  get lost(): string {
    return `${this.#base}lost`;
  }

  /** The secret shared by every process using the queue. */
  get secret(): string {
    return `${this.#base}secret`;
  }

  /** Pub/sub channel of cancel requests; messages are job ids. */
  get cancelChannel(): string {
    return `${this.#base}cancel`;
  }

  /**
   * Pub/sub channel of job news; messages are job ids (an outcome), or job ids followed by `:`
   * (other news). The scripts that change what a poller sees (a start, progress, side updates, an
   * outcome) publish on it in the same atomic step.
   */
  get newsChannel(): string {
    return `${this.#base}news`;
  }

  /** What BullMQ puts before a job id for the key of its job hash (fields `name`, `data`, ...). */
  get bullPrefix(): string {
    return this.#bull;
  }

  /** BullMQ's list of waiting jobs: pushed at the head, taken from the tail. */
  get wait(): string {
    return `${this.#bull}wait`;
  }

  /** BullMQ's list of the jobs workers took. */
  get active(): string {
    return `${this.#bull}active`;
  }
}
