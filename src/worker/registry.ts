import type { PropValue } from "../app/patch.js";
import { describeValue, invalidArgument } from "../errors.js";
import type { JobContext, Json } from "../manager/contract.js";
import { assertId } from "../manager/validate.js";

/**
 * What a job function receives besides its arguments.
 */
export interface JobTools {
  /** The job's id. */
  readonly jobId: string;
  /** Aborted when the job is cancelled; stop soon after, or the process is killed. */
  readonly signal: AbortSignal;
  /** The request snapshot the job was started with. */
  readonly ctx: JobContext;
  /** Reports progress; the poller sees the newest value. Must be JSON. */
  setProgress(value: PropValue | readonly PropValue[]): void;
  /** Sends new prop values to a component while the job runs. Props must be JSON. */
  setProps(id: string | Record<string, Json>, props: Record<string, PropValue>): void;
}

/** A job function: arguments in, a JSON result (or a promise of one) out. */
export type JobFunction = (args: Json[], tools: JobTools) => unknown;

const registry = new Map<string, JobFunction>();

/**
 * Registers a job function under an id. Worker processes load the app module, so they register
 * the same functions as the web process; the id is how a job names its function.
 *
 * @throws `INVALID_ARGUMENT` for an empty id, a non-function, or an id registered twice with
 *   another function.
 * @example
 * ```ts
 * registerJob("report.children", async ([n], { setProgress }) => { setProgress(50); return n * 2; });
 * ```
 */
export function registerJob(id: string, fn: JobFunction): void {
  assertId("registry", "id", id);
  if (typeof fn !== "function") {
    throw invalidArgument("registry", `Expected \`fn\` to be a function, got ${describeValue(fn)}`);
  }
  const existing = registry.get(id);
  if (existing !== undefined && existing !== fn) {
    throw invalidArgument("registry", `A job function is already registered as "${id}"; give each callback its own id`);
  }
  registry.set(id, fn);
}

/** The function registered under `id`, if any. */
export function getJobFunction(id: string): JobFunction | undefined {
  return registry.get(id);
}

/** The ids of every registered job function, in registration order. */
export function registeredJobs(): string[] {
  return [...registry.keys()];
}
