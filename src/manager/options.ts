import { describeValue, invalidArgument } from "../errors.js";
import { assertInteger } from "./validate.js";

/** Options every manager that runs jobs on local worker processes shares. */
export interface LocalWorkerOptions {
  /**
   * The app module worker processes load to find the job functions.
   * @default the main module of this process (`process.argv[1]`)
   */
  readonly workerModule?: string;
  /** Jobs running at once, each on its own worker process. @default 1 */
  readonly concurrency?: number;
  /** Milliseconds a cancelled job may run on after its signal aborts before its process is killed. @default 1000 */
  readonly cancelGraceMs?: number;
  /** Milliseconds a job's record (outcome, unread updates) is kept after the job ends. @default 86_400_000 (one day) */
  readonly ttlMs?: number;
}

/** Checks {@link LocalWorkerOptions} and fills in the defaults. */
export function resolveLocalWorkerOptions(part: string, options: LocalWorkerOptions): Required<LocalWorkerOptions> {
  const workerModule = options.workerModule ?? process.argv[1];
  if (typeof workerModule !== "string" || workerModule.length === 0) {
    throw invalidArgument(
      part,
      `Expected \`workerModule\` to be the path of the app module, got ${describeValue(workerModule)}`,
    );
  }
  const resolved = {
    workerModule,
    concurrency: options.concurrency ?? 1,
    cancelGraceMs: options.cancelGraceMs ?? 1000,
    ttlMs: options.ttlMs ?? 86_400_000,
  };
  assertInteger(part, "concurrency", resolved.concurrency, 1, 256);
  assertInteger(part, "cancelGraceMs", resolved.cancelGraceMs, 0);
  assertInteger(part, "ttlMs", resolved.ttlMs, 1);
  return resolved;
}

/** Throws `INVALID_ARGUMENT` unless `options` is an object (or undefined). */
export function assertOptions(part: string, options: unknown): asserts options is object | undefined {
  if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options))) {
    throw invalidArgument(part, `Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
}
