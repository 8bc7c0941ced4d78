import type { CallbackFunction, CallbackSpec } from "../app/callback-spec.js";
import { stringifyId } from "../app/dependencies.js";
import { isErrorCode } from "../errors.js";
import type { BackgroundCallbackManager, JobContext, JobUpdate, Json } from "../manager/contract.js";
import { cacheKey } from "../manager/keys.js";
import { isNoUpdate } from "../worker/outcome.js";
import { admitStart, type ClientLimits } from "./client-limits.js";
import { after, gather, sleep } from "./gather.js";
import { type ErrorHandler, handleErrorOutcome } from "./on-error.js";
import type { Outages } from "./outages.js";
import { respondOutcome } from "./outcome.js";
import { RequestError, type UpdatePayload, type WireDependency, type WireEntry } from "./payload.js";
import { queuedDefault, queuedWatch } from "./queued.js";
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
