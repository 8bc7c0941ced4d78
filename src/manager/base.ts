import { BackgroundCallbackError } from "../errors.js";
import type {
  BackgroundCallbackManager,
  JobHandle,
  JobRequest,
  JobState,
  JobUpdate,
  ManagerCapabilities,
} from "./contract.js";
import { assertId, assertSignal, validateJobRequest } from "./validate.js";

/**
 * An optional base for managers: its public methods check that the manager is open, validate and
 * copy their input, check capabilities, and only then call the protected `do*` methods with
 * exact arguments. A manager built on it holds no validation code of its own.
 */
export abstract class BaseManager implements BackgroundCallbackManager {
  abstract readonly capabilities: ManagerCapabilities;
  /** The name in error messages: `[background-callbacks:<part>]`. */
  protected abstract readonly part: string;
  #closed = false;
  #closing: Promise<void> | undefined;

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  async submit(job: JobRequest): Promise<JobHandle> {
    this.assertOpen();
    const request = validateJobRequest(this.part, job);
    if (request.cache !== undefined && !this.capabilities.caching) {
      throw new BackgroundCallbackError(
        "NOT_SUPPORTED",
        `[background-callbacks:${this.part}] This manager does not memoise results (capabilities.caching is false); leave out \`cache\` or use a manager that supports it`,
      );
    }
    return this.doSubmit(request);
  }

  async take(jobId: string): Promise<JobUpdate> {
    this.assertOpen();
    assertId(this.part, "jobId", jobId);
    return this.doTake(jobId);
  }

  async status(jobId: string): Promise<JobState> {
    this.assertOpen();
    assertId(this.part, "jobId", jobId);
    return this.doStatus(jobId);
  }

  async cancel(jobId: string): Promise<void> {
    this.assertOpen();
    assertId(this.part, "jobId", jobId);
    return this.doCancel(jobId);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.doClose();
    return this.#closing;
  }

  /**
   * For a manager that implements the optional `watch`: call first in it. Throws `MANAGER_CLOSED`
   * after `close()` and `INVALID_ARGUMENT` for a bad id or signal.
   * @example
   * ```ts
   * async watch(jobId: string, signal: AbortSignal): Promise<void> {
   *   this.checkWatch(jobId, signal);
   *   return this.#watchers.watch(jobId, signal); // a `Watchers` the manager notifies
   * }
   * ```
   */
  protected checkWatch(jobId: unknown, signal: unknown): asserts signal is AbortSignal {
    this.assertOpen();
    assertId(this.part, "jobId", jobId);
    assertSignal(this.part, "signal", signal);
  }

  /**
   * For a manager that implements the optional `position`: call first in it. Throws
   * `MANAGER_CLOSED` after `close()` and `INVALID_ARGUMENT` for a bad id.
   */
  protected checkPosition(jobId: unknown): asserts jobId is string {
    this.assertOpen();
    assertId(this.part, "jobId", jobId);
  }

  /** Throws `MANAGER_CLOSED` once `close()` was called. */
  protected assertOpen(): void {
    if (this.#closed) {
      throw new BackgroundCallbackError(
        "MANAGER_CLOSED",
        `[background-callbacks:${this.part}] The manager is closed; create a new one`,
      );
    }
  }

  protected abstract doSubmit(job: JobRequest): Promise<JobHandle>;
  protected abstract doTake(jobId: string): Promise<JobUpdate>;
  protected abstract doStatus(jobId: string): Promise<JobState>;
  protected abstract doCancel(jobId: string): Promise<void>;
  protected abstract doClose(): Promise<void>;
}
