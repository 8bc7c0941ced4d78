import type { CallbackFunction, CallbackSpec } from "../app/callback-spec.js";
import { stringifyId } from "../app/dependencies.js";
import { isErrorCode } from "../errors.js";
import type {
  BackgroundCallbackManager,
  JobContext,
  JobUpdate,
  Json,
  SideUpdates,
  WatchOptions,
} from "../manager/contract.js";
import { cacheKey } from "../manager/keys.js";
import { mergeSideUpdates } from "../manager/updates.js";
import { isNoUpdate } from "../worker/outcome.js";
import { admitStart, type ClientLimits } from "./client-limits.js";
import { type ErrorHandler, handleErrorOutcome } from "./on-error.js";
import type { Outages } from "./outages.js";
import { endedJobsOf, respondOutcome } from "./outcome.js";
import { RequestError, type UpdatePayload, type WireDependency, type WireEntry } from "./payload.js";
import { QUEUE_MOVES_EVERY_MS, QUEUED_RECHECK_MS, type QueuedWatch, queuedDefault, queuedWatch } from "./queued.js";
import { errorText, json, RETRY_AFTER_SECONDS } from "./respond.js";
import type { SharedSigner } from "./shared-signer.js";
import type { Starting } from "./starting.js";
import { argsOf, progressOf } from "./wire.js";

/** What the background handlers need from the app. */
export interface BackgroundDeps {
  readonly signer: SharedSigner;
  readonly manager: BackgroundCallbackManager;
  readonly outages: Outages;
  readonly firstResponseWaitMs: number;
  readonly longPollMs: number;
  readonly debug: boolean;
  readonly onError?: ErrorHandler | undefined;
  /** Which cookies a job sees: all, none, or these names. */
  readonly jobCookies: boolean | readonly string[];
  /** The app's `maxQueuedPerClient`, when it sets one. */
  readonly clientLimits?: ClientLimits | undefined;
  /** The first responses being prepared, which a cancel of the page finds before the renderer knows the job. */
  readonly starting: Starting;
  /** `performance.now()` when the request came in. */
  readonly arrivedAt: number;
  /** The request's `ctx` (with the app's `requestData`), for a request path. */
  requestContext(path: string): Promise<JobContext>;
  log(message: string, error?: unknown): void;
}

/** Waits `ms`, or less when the client goes away. Leaves no listener behind either way. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
async function gather(
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
function after(first: SideUpdates, then: SideUpdates): SideUpdates {
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

/** The first POST of a background callback: submit the job, answer with its handles — or its result, when it is that fast. */
export async function startJob(
  spec: CallbackSpec,
  payload: UpdatePayload,
  request: Request,
  endId: string,
  path: string,
  deps: BackgroundDeps,
): Promise<Response> {
  const args = argsOf(spec, payload);
  const cache = memoisation(spec, payload, args);
  const context = await deps.requestContext(path);
  const admission = await admitStart(spec, payload, endId, context, deps);
  if (admission instanceof Response) return admission;
  const jobContext = { ...context, cookies: jobCookies(context.cookies ?? {}, deps.jobCookies) };
  // Until its first response is answered, the page cannot name the job in a cancel: follow it here.
  const start =
    spec.cancel.length > 0 && endId !== ""
      ? deps.starting.begin(endId, spec.id, deps.manager, deps.arrivedAt)
      : undefined;
  try {
    const submitted = deps.manager.submit({
      callbackId: spec.id,
      args,
      context: jobContext,
      ...(cache ? { cache } : {}),
      ...(spec.options.timeoutMs !== undefined ? { timeoutMs: spec.options.timeoutMs } : {}),
    });
    const { jobId } = await (admission ? admission.track(submitted) : submitted);
    deps.outages.succeeded(deps.manager);
    if (start !== undefined) await deps.starting.submitted(start, jobId);
    return await firstResponse(spec, payload, request, endId, jobId, context, deps);
  } finally {
    if (start !== undefined) deps.starting.answered(start);
  }
}

/** The answer to a start whose job is submitted: its handles, and whatever the job did meanwhile. */
async function firstResponse(
  spec: CallbackSpec,
  payload: UpdatePayload,
  request: Request,
  endId: string,
  jobId: string,
  context: JobContext,
  deps: BackgroundDeps,
): Promise<Response> {
  const base: Record<string, Json> = {
    cacheKey: deps.signer.sign("cacheKey", endId, spec.id, jobId),
    job: deps.signer.sign("job", endId, spec.id, jobId),
    ...(spec.cancel.length > 0
      ? { cancel: spec.cancel.map((input) => ({ id: input.id as Json, property: input.property })) }
      : {}),
    ...progressDefault(spec),
  };
  // The job is submitted: if the backend fails now, the page polls with its handles and waits.
  const update = await gather(deps.manager, jobId, deps.firstResponseWaitMs, request.signal, true).catch(
    (error: unknown): JobUpdate => {
      if (isErrorCode(error, "BACKEND")) return {};
      throw error;
    },
  );
  const queued = queuedWatch(spec, deps.manager, jobId, deps.log);
  if (update.outcome) {
    queued?.ended();
    const handled = await handleErrorOutcome(spec, update.outcome, context, update.sideUpdates, deps.onError);
    return respondOutcome(spec, payload, handled.outcome, {
      sideUpdate: handled.sideUpdate,
      progress: finalProgress(spec, update),
      base,
      background: true,
      debug: deps.debug,
    });
  }
  const told = await queued?.check();
  if (request.signal.aborted) queued?.forget();
  const sideUpdates = told ? after(told, update.sideUpdates ?? {}) : update.sideUpdates;
  return json({ ...base, ...news(spec, { ...update, ...(sideUpdates ? { sideUpdates } : {}) }) });
}

/** Where a memoised result of the call lives, when the callback memoises (`cacheBy`). */
function memoisation(spec: CallbackSpec, payload: UpdatePayload, args: readonly Json[]) {
  const { cacheBy, cacheTtlMs, cacheIgnoreTriggered } = spec.options;
  if (cacheBy === undefined) return undefined;
  const key = cacheKey({
    callbackId: spec.id,
    args,
    ignoreArgs: spec.ignoreArgs,
    cacheBy: cacheBy.map((fn) => fn()),
    triggered: cacheIgnoreTriggered === true ? [] : triggeredOf(spec, payload),
    source: sourceOf(spec.fn),
  });
  return { key, ttlMs: cacheTtlMs ?? 86_400_000 };
}

const propKey = (dep: WireDependency): string => `${stringifyId(dep.id as never)}.${dep.property.split("@")[0]}`;

/** The `"<id>.<prop>"` of the inputs that triggered the call, leaving out the ignored arguments. */
function triggeredOf(spec: CallbackSpec, payload: UpdatePayload): string[] {
  const changed = new Set(payload.changedPropIds ?? []);
  const ignored = new Set(spec.ignoreArgs);
  return payload.inputs.flatMap((entry: WireEntry, index) =>
    ignored.has(index)
      ? []
      : (Array.isArray(entry) ? entry : [entry as WireDependency]).map(propKey).filter((key) => changed.has(key)),
  );
}

const sources = new WeakMap<CallbackFunction, string>();

/** The function's source text, read once per function. */
function sourceOf(fn: CallbackFunction): string {
  let source = sources.get(fn);
  if (source === undefined) {
    source = Function.prototype.toString.call(fn);
    sources.set(fn, source);
  }
  return source;
}

/** The cookies a job may see: it is stored with the job, so secrets stay out when the app says so. */
function jobCookies(
  cookies: Readonly<Record<string, string>>,
  allowed: boolean | readonly string[],
): Record<string, string> {
  if (allowed === true) return { ...cookies };
  const kept = Object.create(null) as Record<string, string>;
  for (const name of allowed === false ? [] : allowed) {
    const value = Object.hasOwn(cookies, name) ? cookies[name] : undefined;
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

/** What the renderer puts back when the job ends or is cancelled: the progress defaults, and `queued`'s `started` value. */
function progressDefault(spec: CallbackSpec): { progressDefault?: Record<string, Json> } {
  const value = spec.options.progressDefault;
  const defaults = { ...(value === undefined ? {} : progressOf(spec, value)), ...queuedDefault(spec) };
  return Object.keys(defaults).length === 0 ? {} : { progressDefault: defaults };
}

/** The progress outputs a value sets: those where it holds `noUpdate` are left out; `undefined` when none is left. */
function progressOutputs(spec: CallbackSpec, value: Json | undefined): Record<string, Json> | undefined {
  if (value === undefined || spec.progress.length === 0 || isNoUpdate(value)) return undefined;
  const outputs = Object.entries(progressOf(spec, value)).filter(([, item]) => !isNoUpdate(item));
  return outputs.length === 0 ? undefined : Object.fromEntries(outputs);
}

function finalProgress(spec: CallbackSpec, update: JobUpdate): Record<string, Json> | undefined {
  return progressOutputs(spec, update.progress);
}

function news(spec: CallbackSpec, update: JobUpdate): Record<string, Json> {
  const progress = progressOutputs(spec, update.progress);
  return {
    ...(progress ? { progress } : {}),
    ...(update.sideUpdates && Object.keys(update.sideUpdates).length > 0 ? { sideUpdate: update.sideUpdates } : {}),
  };
}

/** A poll: verify the handles, wait (bounded) for news, answer with progress, side updates or the outcome. */
export async function pollJob(
  spec: CallbackSpec,
  payload: UpdatePayload,
  request: Request,
  query: URLSearchParams,
  endId: string,
  deps: BackgroundDeps,
): Promise<Response> {
  try {
    const jobId = await deps.signer.open("job", endId, spec.id, query.get("job") ?? "");
    if (
      jobId === undefined ||
      (await deps.signer.open("cacheKey", endId, spec.id, query.get("cacheKey") ?? "")) !== jobId
    ) {
      throw new RequestError(
        403,
        "Invalid background job handle: it was not issued for this callback on this page load",
      );
    }
    // The page knows this job: its cancels name it from now on.
    if (spec.cancel.length > 0) deps.starting.polled(endId, jobId);
    const response = await answerPoll(spec, payload, request, jobId, deps);
    deps.outages.succeeded(deps.manager);
    return response;
  } catch (error) {
    if (!isErrorCode(error, "BACKEND")) throw error;
    return waitOutOutage(deps, request.signal, error);
  }
}

async function answerPoll(
  spec: CallbackSpec,
  payload: UpdatePayload,
  request: Request,
  jobId: string,
  deps: BackgroundDeps,
): Promise<Response> {
  const queued = queuedWatch(spec, deps.manager, jobId, deps.log);
  const update = await gather(deps.manager, jobId, deps.longPollMs, request.signal, false, queued);
  // Nobody reads this answer: spare the backend the status check.
  if (request.signal.aborted && !update.outcome) {
    queued?.forget();
    return json({ multi: true, ...news(spec, update) });
  }
  if (update.outcome) {
    queued?.ended();
    // The handler runs in this poll's request, as in Dash: its ctx has the poll's (nulled) values.
    const context = await deps.requestContext(new URL(request.url).pathname);
    const handled = await handleErrorOutcome(spec, update.outcome, context, update.sideUpdates, deps.onError);
    return respondOutcome(spec, payload, handled.outcome, {
      sideUpdate: handled.sideUpdate,
      progress: finalProgress(spec, update),
      background: true,
      debug: deps.debug,
    });
  }
  if (update.progress === undefined && Object.keys(update.sideUpdates ?? {}).length === 0) {
    if ((await deps.manager.status(jobId)) === "unknown") {
      return errorText(
        410,
        "BackgroundCallbackError: The background job is unknown: its record expired or another manager holds it",
      );
    }
  }
  return json({ multi: true, ...news(spec, update) });
}

/**
 * The backend is unreachable: within the outage bound, wait a moment and answer "still running"
 * (the page polls again); past it, an error the page shows, naming the outage.
 */
export async function waitOutOutage(deps: BackgroundDeps, signal: AbortSignal, error: Error): Promise<Response> {
  const downMs = deps.outages.failed(deps.manager);
  if (downMs === 0)
    deps.log('The background job backend is unreachable; polls answer "still running" meanwhile', error);
  if (downMs >= deps.outages.boundMs) {
    const detail = deps.debug ? `\n${error.message}` : "";
    const response = errorText(
      503,
      `BackgroundCallbackError: The background job backend has been unreachable for ${Math.round(downMs / 1000)} s; the job may still finish: reload the page to run it again${detail}`,
    );
    response.headers.set("Retry-After", String(RETRY_AFTER_SECONDS));
    return response;
  }
  await sleep(Math.min(1_000, deps.longPollMs, deps.outages.boundMs - downMs), signal);
  return json({ multi: true });
}
