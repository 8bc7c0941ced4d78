/**
 * The wait of the first response and of each long poll: takes a job's updates until there is news,
 * between takes waiting on the manager's push (`watch`) or, without it, on a backing-off timer.
 */
import type { BackgroundCallbackManager, JobUpdate, Json, SideUpdates, WatchOptions } from "../manager/contract.js";
import { mergeSideUpdates } from "../manager/updates.js";
import { isNoUpdate } from "../worker/outcome.js";
import { endedJobsOf } from "./outcome.js";
import { QUEUE_MOVES_EVERY_MS, QUEUED_RECHECK_MS, type QueuedWatch } from "./queued.js";

/** Waits `ms`, or less when the client goes away. Leaves no listener behind either way. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Takes updates until there is news (`untilOutcome`: until the outcome) or `waitMs` passes, or the
 * client goes away. Progress keeps the newest value; side updates are merged, none lost. Between
 * takes it waits on the manager's `watch` (push) when it has one, else on a backing-off timer.
 * With `queued`, a new queue position is news too, re-read while the job waits: at each wake of
 * a watch that also resolves when the queue moves, for a manager that honours that hint
 * (`capabilities.queueWatch`; at most once per {@link QUEUE_MOVES_EVERY_MS}), else every
 * {@link QUEUED_RECHECK_MS}.
 */
export async function gather(
  manager: BackgroundCallbackManager,
  jobId: string,
  waitMs: number,
  signal: AbortSignal,
  untilOutcome: boolean,
  queued?: QueuedWatch,
): Promise<JobUpdate> {
  // A poll may come for a job whose outcome this process read already; a first response never does.
  const ended = untilOutcome ? undefined : endedJobsOf(manager);
  const known = ended?.get(jobId);
  if (known !== undefined) return { sideUpdates: {}, outcome: known };
  const deadline = Date.now() + waitMs;
  let progress: { value: Json } | undefined;
  const sideUpdates: SideUpdates = {};
  let step = 10;
  let told: SideUpdates | undefined;
  let push = typeof manager.watch === "function";
  // The queue's moves wake the watch: no timer needed to learn a job ahead started.
  const moves = queued !== undefined && manager.capabilities.queueWatch === true;
  let first = true;
  let movedAt = 0;
  for (;;) {
    // Watch before taking, so news that lands between the take and the wait still wakes us.
    const watching = new AbortController();
    const options = untilOutcome ? OUTCOME_ONLY : moves && (first || queued?.queued) ? QUEUE_MOVES : undefined;
    first = false;
    const woken = push ? watchFor(manager, jobId, watching.signal, options) : undefined;
    try {
      const update = await manager.take(jobId);
      if (update.progress !== undefined) progress = { value: mergeProgress(progress?.value, update.progress) };
      if (update.sideUpdates) mergeSideUpdates(sideUpdates, update.sideUpdates);
      if (update.outcome) ended?.set(jobId, update.outcome);
      else if (queued) told = (await queued.check()) ?? told;
      const news = progress !== undefined || Object.keys(sideUpdates).length > 0 || told !== undefined;
      const left = deadline - Date.now();
      if (update.outcome || (news && !untilOutcome) || left <= 0 || signal.aborted) {
        return {
          ...(progress ? { progress: progress.value } : {}),
          // The job's own side updates go last: they win over the queue position on the same prop.
          sideUpdates: told ? after(told, sideUpdates) : sideUpdates,
          ...(update.outcome ? { outcome: update.outcome } : {}),
        };
      }
      // Without the queue's moves, a job ahead starting wakes no watch: while queued, ask often.
      const recheck = queued?.queued && !(moves && push) ? QUEUED_RECHECK_MS : WATCH_RECHECK_MS;
      if (woken === undefined) {
        await sleep(Math.min(step, left, recheck), signal);
        step = Math.min(step * 2, 200);
      } else {
        // A watch that failed means this manager cannot push now: poll for the rest of this wait.
        push = await wake(Math.min(recheck, left), signal, woken);
        if (options === QUEUE_MOVES) movedAt = await spaced(movedAt, deadline, signal);
      }
    } finally {
      watching.abort(WATCH_DONE);
    }
  }
}

/**
 * After a wake of a queue watch, waits out the rest of {@link QUEUE_MOVES_EVERY_MS} since the one
 * before (`previous`): a busy queue costs a waiting page one `position()` call per that time at
 * most. Nothing is missed meanwhile: the take and the position read that follow see it all.
 * Returns when this wake ended.
 */
async function spaced(previous: number, deadline: number, signal: AbortSignal): Promise<number> {
  const rest = Math.min(previous + QUEUE_MOVES_EVERY_MS, deadline) - Date.now();
  if (rest > 0) await sleep(rest, signal);
  return Date.now();
}

/** `first` with `then` merged over it. */
export function after(first: SideUpdates, then: SideUpdates): SideUpdates {
  mergeSideUpdates(first, then);
  return first;
}

/** Why a wait's watch is stopped: one shared reason spares `abort()` a new `DOMException` (and its stack) per wait. */
const WATCH_DONE = Object.freeze(new Error("The wait for news ended"));

/** How long a wait on `watch()` may last before `take()` is asked again anyway. */
const WATCH_RECHECK_MS = 2_000;

/** The options of a wait for the outcome only: the job's start and progress need not wake it. */
const OUTCOME_ONLY: WatchOptions = Object.freeze({ outcome: true });

/** The options of a wait of a queued job: a job ahead starting (the queue moving) wakes it too. */
const QUEUE_MOVES: WatchOptions = Object.freeze({ queue: true });

/** The manager's `watch` as a promise of whether it worked: `false` when it rejected. */
function watchFor(
  manager: BackgroundCallbackManager,
  jobId: string,
  signal: AbortSignal,
  options: WatchOptions | undefined,
): Promise<boolean> {
  try {
    const watch = manager.watch as NonNullable<BackgroundCallbackManager["watch"]>;
    return (options ? watch.call(manager, jobId, signal, options) : watch.call(manager, jobId, signal)).then(
      () => true,
      () => false,
    );
  } catch {
    return Promise.resolve(false);
  }
}

/** Waits for `woken`, `ms`, or the client going away, whichever comes first; what `woken` said, else `true`. */
function wake(ms: number, signal: AbortSignal, woken: Promise<boolean>): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const done = (worked: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", aborted);
      resolve(worked);
    };
    const aborted = () => done(true);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", aborted, { once: true });
    void woken.then(done);
  });
}

/**
 * A newer progress value over an older one: where the newer one holds `noUpdate` (for one output,
 * or as a whole), the older value stays.
 */
function mergeProgress(older: Json | undefined, newer: Json): Json {
  if (older === undefined || isNoUpdate(older)) return newer;
  if (isNoUpdate(newer)) return older;
  if (!Array.isArray(newer) || !Array.isArray(older)) return newer;
  return newer.map((value, index) => (isNoUpdate(value) && index < older.length ? (older[index] as Json) : value));
}
