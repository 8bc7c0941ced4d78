import { BackgroundCallbackError, describeValue, invalidArgument } from "../errors.js";
import { assertId } from "../manager/validate.js";
import type { WorkerJob } from "./protocol.js";
import { currentRole } from "./role.js";

/**
 * Refuses what only the web process may do. Constructing a pool is fine anywhere: job processes
 * import the app module, which constructs its managers (and so their pools).
 */
export function assertWebRole(what: string): void {
  if (currentRole() !== "worker") return;
  throw new BackgroundCallbackError(
    "WRONG_ROLE",
    `[background-callbacks:worker] A worker process imported the app module and ${what}: jobs are submitted only by the web process. Construct managers freely, but submit jobs from callbacks or guard the code with \`isWorkerProcess()\``,
  );
}

/** Throws `INVALID_ARGUMENT` unless `job` is a job a worker process can run. */
export function assertWorkerJob(job: unknown): asserts job is WorkerJob {
  if (job === null || typeof job !== "object") {
    throw invalidArgument("worker", `Expected \`job\` to be an object, got ${describeValue(job)}`);
  }
  const { jobId, callbackId, args } = job as Record<string, unknown>;
  assertId("worker", "job.jobId", jobId);
  assertId("worker", "job.callbackId", callbackId);
  if (!Array.isArray(args)) {
    throw invalidArgument("worker", `Expected \`job.args\` to be an array, got ${describeValue(args)}`);
  }
}

/** Throws `INVALID_ARGUMENT` unless `events` has an `end` function. */
export function assertEvents(events: unknown): void {
  if (events === null || typeof events !== "object" || typeof (events as { end?: unknown }).end !== "function") {
    throw invalidArgument(
      "worker",
      `Expected \`events\` to be an object with an \`end\` function, got ${describeValue(events)}`,
    );
  }
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
