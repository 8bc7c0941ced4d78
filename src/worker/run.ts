import { describeValue, invalidArgument } from "../errors.js";
import type { JobOutcome, Json } from "../manager/contract.js";
import { componentKey } from "../manager/keys.js";
import { assertJson, toJson } from "../manager/validate.js";
import { outcomeOfError, outcomeOfValue } from "./outcome.js";
import type { WorkerJob } from "./protocol.js";
import { getJobFunction, type JobFunction, type JobTools, registeredJobs } from "./registry.js";
import { runInJobScope } from "./scope.js";

/** Where a running job's reports go. */
export interface JobSink {
  progress(value: Json): void;
  props(id: string, props: Record<string, Json>): void;
}

/**
 * A job's abort signal, or what makes it when first read: most jobs never read it, and an
 * `AbortController` is one of the dearest objects a job process builds per job.
 */
export type SignalSource = AbortSignal | { readonly signal: AbortSignal };

function signalOf(source: SignalSource): AbortSignal {
  return source instanceof AbortSignal ? source : source.signal;
}

/**
 * Runs one job with the registered function: builds its tools, runs it in the job scope, and
 * turns what it returns or throws into an outcome. Never throws.
 */
export async function runJob(job: WorkerJob, signal: SignalSource, sink: JobSink): Promise<JobOutcome> {
  const fn = getJobFunction(job.callbackId);
  if (fn === undefined) {
    const known = registeredJobs();
    return {
      kind: "error",
      message: `[background-callbacks:worker] No job function is registered as "${job.callbackId}" in the worker's module (it registers ${known.length === 0 ? "none" : known.map((id) => `"${id}"`).join(", ")}); the worker must load the same app module as the web process`,
    };
  }
  return runWithTools(fn, job, signal, sink);
}

/** Runs `fn` as the job `job` (in the job scope, with validated tools). Never throws. */
export async function runWithTools(
  fn: JobFunction,
  job: WorkerJob,
  signal: SignalSource,
  sink: JobSink,
): Promise<JobOutcome> {
  const tools = makeTools(job, signal, sink);
  try {
    const value = await runInJobScope(tools, () => fn([...job.args], tools));
    return outcomeOfValue(value);
  } catch (error) {
    return outcomeOfError(error);
  }
}

function makeTools(job: WorkerJob, signal: SignalSource, sink: JobSink): JobTools {
  return {
    jobId: job.jobId,
    get signal() {
      return signalOf(signal);
    },
    ctx: job.context ?? {},
    setProgress(value) {
      const json = toJson(value);
      assertJson("setProgress", "value", json === undefined ? value : json);
      if (!signalOf(signal).aborted) sink.progress(json as Json);
    },
    setProps(id, props) {
      if (typeof id !== "string" && (id === null || typeof id !== "object" || Array.isArray(id))) {
        throw invalidArgument("setProps", `Expected \`id\` to be a string or an object id, got ${describeValue(id)}`);
      }
      if (props === null || typeof props !== "object" || Array.isArray(props)) {
        throw invalidArgument("setProps", `Expected \`props\` to be an object, got ${describeValue(props)}`);
      }
      const json = toJson(props);
      assertJson("setProps", "props", json === undefined ? props : json);
      assertJson("setProps", "id", id);
      if (!signalOf(signal).aborted) sink.props(componentKey(id), json as Record<string, Json>);
    },
  };
}
