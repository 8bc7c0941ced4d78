import assert from "node:assert/strict";
import type { BackgroundCallbackManager, JobOutcome, JobRequest, JobUpdate, Json } from "../../manager/contract.js";
import type { ConformanceManagerOptions, Suite } from "./options.js";

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wall-clock milliseconds with sub-millisecond resolution; the jobs use the same clock. */
export const clock = (): number => performance.timeOrigin + performance.now();

/** Clock skew allowed when comparing times taken in different processes. */
export const CLOCK_TOLERANCE_MS = 5;

/** Creates one manager, hands it to `fn`, and always closes it. */
export async function withManager<T>(
  suite: Suite,
  settings: Partial<Omit<ConformanceManagerOptions, "workerModule">>,
  fn: (manager: BackgroundCallbackManager) => Promise<T>,
): Promise<T> {
  return withManagers(suite, [settings], ([manager]) => fn(manager as BackgroundCallbackManager));
}

/** Creates one manager per settings object, hands them to `fn`, and always closes them all. */
export async function withManagers<T>(
  suite: Suite,
  settings: readonly Partial<Omit<ConformanceManagerOptions, "workerModule">>[],
  fn: (managers: BackgroundCallbackManager[]) => Promise<T>,
): Promise<T> {
  const managers: BackgroundCallbackManager[] = [];
  try {
    for (const each of settings) {
      managers.push(
        await suite.create({
          workerModule: suite.jobsModule,
          concurrency: each.concurrency ?? 1,
          cancelGraceMs: each.cancelGraceMs ?? 1000,
          ttlMs: each.ttlMs ?? 86_400_000,
        }),
      );
    }
    return await fn(managers);
  } finally {
    await Promise.all(managers.map((manager) => manager.close()));
  }
}

/** Submits a job without cache or context and returns its id. */
export async function submit(
  manager: BackgroundCallbackManager,
  callbackId: string,
  args: Json[] = [],
  extra: Omit<JobRequest, "callbackId" | "args"> = {},
): Promise<string> {
  const handle = await manager.submit({ callbackId, args, ...extra });
  assert.equal(typeof handle?.jobId, "string", "submit() must resolve to a handle with a string jobId");
  return handle.jobId;
}

/** Polls `probe` every `intervalMs` until it returns something other than `undefined` or `false`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Every non-empty `take` up to and including the first one that carries the outcome. */
export async function untilOutcome(
  manager: BackgroundCallbackManager,
  jobId: string,
  timeoutMs: number,
  intervalMs = 5,
): Promise<{ takes: JobUpdate[]; outcome: JobOutcome }> {
  const takes: JobUpdate[] = [];
  const outcome = await waitFor(
    `the outcome of job ${jobId}`,
    async () => {
      const update = await manager.take(jobId);
      if (Object.keys(update).length > 0) takes.push(update);
      return update.outcome;
    },
    timeoutMs,
    intervalMs,
  );
  return { takes, outcome };
}

/** The job's outcome, once there is one. */
export async function outcomeOf(
  manager: BackgroundCallbackManager,
  jobId: string,
  timeoutMs: number,
): Promise<JobOutcome> {
  return (await untilOutcome(manager, jobId, timeoutMs)).outcome;
}

/** The job's result value; fails unless the outcome is a `result`. */
export async function resultOf(manager: BackgroundCallbackManager, jobId: string, timeoutMs: number): Promise<Json> {
  const outcome = await outcomeOf(manager, jobId, timeoutMs);
  assert.equal(outcome.kind, "result", `expected a result, got ${JSON.stringify(outcome)}`);
  return (outcome as { value: Json }).value;
}

/** Waits until the job reports `{ pid }` as progress and returns the pid. */
export async function reportedPid(
  manager: BackgroundCallbackManager,
  jobId: string,
  timeoutMs: number,
): Promise<number> {
  return waitFor(
    `job ${jobId} to report its pid`,
    async () => {
      const { progress, outcome } = await manager.take(jobId);
      assert.equal(outcome, undefined, `the job ended before reporting its pid: ${JSON.stringify(outcome)}`);
      const pid = (progress as { pid?: unknown } | undefined)?.pid;
      return typeof pid === "number" ? pid : undefined;
    },
    timeoutMs,
  );
}

/** Whether a process with this pid exists (zombies excluded once their parent reaped them). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** What the `stamp` job returns. */
export interface Stamp {
  readonly label: Json;
  readonly start: number;
  readonly end: number;
  readonly pid: number;
}

/** Checks that a result is a `stamp` result. */
export function asStamp(value: Json): Stamp {
  const stamp = value as unknown as Stamp;
  assert.equal(typeof stamp?.start, "number", `expected a stamp, got ${JSON.stringify(value)}`);
  return stamp;
}

/** Asserts that `call` returns a promise that rejects, and returns the reason. */
export async function rejection(what: string, call: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    assert.fail(`${what} threw synchronously (${String(error)}); it must return a rejected promise`);
  }
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail(`${what} resolved; it must reject`);
}

/** Asserts that `call` rejects with a `BackgroundCallbackError` carrying `code`. */
export async function rejectsWithCode(what: string, code: string, call: () => Promise<unknown>): Promise<void> {
  const error = await rejection(what, call);
  assert.ok(error instanceof Error, `${what} must reject with an Error, got ${String(error)}`);
  // By name, not instanceof: the manager may come from another copy of the package.
  assert.equal(error.name, "BackgroundCallbackError", `${what} must reject with a BackgroundCallbackError`);
  assert.equal((error as { code?: unknown }).code, code, `${what} must reject with code ${code}`);
}

/** Asserts that `call` rejects with a `TypeError` whose `code` is `INVALID_ARGUMENT`. */
export async function rejectsInvalid(what: string, call: () => Promise<unknown>): Promise<void> {
  const error = await rejection(what, call);
  assert.ok(error instanceof TypeError, `${what} must reject with a TypeError, got ${String(error)}`);
  assert.equal(
    (error as { code?: unknown }).code,
    "INVALID_ARGUMENT",
    `${what} must reject with code INVALID_ARGUMENT`,
  );
}

/** Asserts a fresh (not memoised) `result` outcome with this value. `cached: false` is allowed. */
export function assertResult(outcome: JobOutcome | undefined, value: Json, what = "the job"): void {
  assert.equal(outcome?.kind, "result", `${what}: expected a result, got ${JSON.stringify(outcome)}`);
  const result = outcome as Extract<JobOutcome, { kind: "result" }>;
  assert.deepEqual(result.value, value, `${what}: wrong result value`);
  assert.notEqual(result.cached, true, `${what}: a job that ran must not be marked cached`);
}

/** Asserts a take that carries only the outcome: no progress, no side updates. */
export function assertOnlyOutcome(update: JobUpdate, what: string): JobOutcome {
  assert.equal(update.progress, undefined, `${what}: unexpected progress ${JSON.stringify(update)}`);
  assert.equal(update.sideUpdates, undefined, `${what}: unexpected side updates ${JSON.stringify(update)}`);
  assert.ok(update.outcome, `${what}: the outcome is missing`);
  return update.outcome;
}

/** Whether `promise` settles within `ms`; leaves no timer behind either way. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
