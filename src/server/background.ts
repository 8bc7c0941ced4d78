import type { CallbackSpec } from "../app/callback-spec.js";
import type { BackgroundCallbackManager, JobUpdate, Json, SideUpdates } from "../manager/contract.js";
import { cacheKey } from "../manager/keys.js";
import { mergeSideUpdates } from "../manager/updates.js";
import type { HandleSigner } from "./handles.js";
import { type ErrorHandler, handleErrorOutcome } from "./on-error.js";
import { respondOutcome } from "./outcome.js";
import { RequestError, type UpdatePayload } from "./payload.js";
import { errorText, json } from "./respond.js";
import { argsOf, contextOf, progressOf } from "./wire.js";

/** What the background handlers need from the app. */
export interface BackgroundDeps {
  readonly signer: HandleSigner;
  readonly manager: BackgroundCallbackManager;
  readonly firstResponseWaitMs: number;
  readonly longPollMs: number;
  readonly debug: boolean;
  readonly onError?: ErrorHandler | undefined;
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
 * client goes away. Progress keeps the newest value; side updates are merged, none lost.
 */
async function gather(
  manager: BackgroundCallbackManager,
  jobId: string,
  waitMs: number,
  signal: AbortSignal,
  untilOutcome: boolean,
): Promise<JobUpdate> {
  const deadline = Date.now() + waitMs;
  let progress: { value: Json } | undefined;
  const sideUpdates: SideUpdates = {};
  let step = 10;
  for (;;) {
    const update = await manager.take(jobId);
    if (update.progress !== undefined) progress = { value: update.progress };
    if (update.sideUpdates) mergeSideUpdates(sideUpdates, update.sideUpdates);
    const news = progress !== undefined || Object.keys(sideUpdates).length > 0;
    const left = deadline - Date.now();
    if (update.outcome || (news && !untilOutcome) || left <= 0 || signal.aborted) {
      return {
        ...(progress ? { progress: progress.value } : {}),
        sideUpdates,
        ...(update.outcome ? { outcome: update.outcome } : {}),
      };
    }
    await sleep(Math.min(step, left), signal);
    step = Math.min(step * 2, 200);
  }
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
  const { cacheBy, cacheTtlMs } = spec.options;
  const cache = cacheBy
    ? {
        key: cacheKey({ callbackId: spec.id, args, ignoreArgs: spec.ignoreArgs, cacheBy: cacheBy.map((fn) => fn()) }),
        ttlMs: cacheTtlMs ?? 86_400_000,
      }
    : undefined;
  const context = contextOf(payload, request, path);
  const { jobId } = await deps.manager.submit({ callbackId: spec.id, args, context, ...(cache ? { cache } : {}) });
  const base: Record<string, Json> = {
    cacheKey: deps.signer.sign("cacheKey", endId, jobId),
    job: deps.signer.sign("job", endId, jobId),
    ...(spec.cancel.length > 0
      ? { cancel: spec.cancel.map((input) => ({ id: input.id as Json, property: input.property })) }
      : {}),
    ...progressDefault(spec),
  };
  const update = await gather(deps.manager, jobId, deps.firstResponseWaitMs, request.signal, true);
  if (update.outcome) {
    const handled = await handleErrorOutcome(spec, update.outcome, context, update.sideUpdates, deps.onError);
    return respondOutcome(spec, payload, handled.outcome, {
      sideUpdate: handled.sideUpdate,
      progress: finalProgress(spec, update),
      base,
      background: true,
      debug: deps.debug,
    });
  }
  return json({ ...base, ...news(spec, update) });
}

function progressDefault(spec: CallbackSpec): { progressDefault?: Record<string, Json> } {
  const value = spec.options.progressDefault;
  return value === undefined ? {} : { progressDefault: progressOf(spec, value) };
}

function finalProgress(spec: CallbackSpec, update: JobUpdate): Record<string, Json> | undefined {
  return update.progress !== undefined && spec.progress.length > 0 ? progressOf(spec, update.progress) : undefined;
}

function news(spec: CallbackSpec, update: JobUpdate): Record<string, Json> {
  return {
    ...(update.progress !== undefined && spec.progress.length > 0
      ? { progress: progressOf(spec, update.progress) }
      : {}),
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
  const jobId = deps.signer.open("job", endId, query.get("job") ?? "");
  if (jobId === undefined || deps.signer.open("cacheKey", endId, query.get("cacheKey") ?? "") !== jobId) {
    throw new RequestError(403, "Invalid background job handle: it was not issued for this page load");
  }
  const update = await gather(deps.manager, jobId, deps.longPollMs, request.signal, false);
  if (update.outcome) {
    // The handler runs in this poll's request, as in Dash: its ctx has the poll's (nulled) values.
    const context = contextOf(payload, request, new URL(request.url).pathname);
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
