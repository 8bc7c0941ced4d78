import type { CallbackSpec } from "../app/callback-spec.js";
import type { BackgroundCallbackManager } from "../manager/contract.js";
import { serveAsset } from "./assets.js";
import { type BackgroundDeps, pollJob, startJob } from "./background.js";
import type { HandleSigner } from "./handles.js";
import { runNormalCallback } from "./normal.js";
import { type ErrorHandler, handleErrorOutcome } from "./on-error.js";
import { respondOutcome } from "./outcome.js";
import { parsePayload, RequestError, readBody, type UpdatePayload } from "./payload.js";
import { errorText, json, noContent } from "./respond.js";
import { argsOf, contextOf } from "./wire.js";

/** The app as the server sees it, once its callbacks are set up. */
export interface ServedApp {
  readonly callbacks: ReadonlyMap<string, CallbackSpec>;
  /** Ids of the hidden callbacks that carry `cancelJob`. */
  readonly cancelCallbacks: ReadonlySet<string>;
  readonly dependencies: readonly unknown[];
  readonly managers: readonly BackgroundCallbackManager[];
  readonly signer: HandleSigner;
  managerOf(spec: CallbackSpec): BackgroundCallbackManager;
}

/** The app's settings and content the handler reads per request. */
export interface HandlerOptions {
  readonly routesPrefix: string;
  readonly debug: boolean;
  readonly maxBodyBytes: number;
  readonly firstResponseWaitMs: number;
  readonly longPollMs: number;
  /** The app-wide error handler of callbacks without their own `onError`. */
  readonly onError?: ErrorHandler | undefined;
  indexPage(): Promise<string>;
  layout(): unknown;
  served(): Promise<ServedApp>;
  log(message: string, error?: unknown): void;
}

/** The Dash protocol as a fetch-style handler: `Request` in, `Response` out; never throws. */
export function createHandler(options: HandlerOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      return await route(options, request);
    } catch (error) {
      if (error instanceof RequestError) {
        const response = errorText(error.status, error.message);
        if (error.closeConnection) response.headers.set("Connection", "close");
        return response;
      }
      options.log(`${request.method} ${new URL(request.url).pathname} failed`, error);
      const detail = options.debug && error instanceof Error ? `\n${error.stack ?? error.message}` : "";
      return errorText(500, `Internal server error${detail}`);
    }
  };
}

async function route(options: HandlerOptions, request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith(options.routesPrefix)) return errorText(404, "Not found");
  const path = url.pathname.slice(options.routesPrefix.length);
  const read = request.method === "GET" || request.method === "HEAD";
  if (path === "_dash-update-component") {
    if (request.method !== "POST") throw new RequestError(405, "Use POST for _dash-update-component");
    return update(options, request, url);
  }
  if (!read) throw new RequestError(405, `${request.method} is not allowed here`);
  if (path.startsWith("_dash-component-suites/"))
    return serveAsset(path.slice("_dash-component-suites/".length), request);
  if (path === "_dash-layout") return json(options.layout());
  if (path === "_dash-dependencies") return json((await options.served()).dependencies);
  if (path === "_favicon.ico") return noContent();
  if (path.startsWith("_")) return errorText(404, `Not found: ${path}`);
  const html = await options.indexPage();
  return new Response(request.method === "HEAD" ? null : html, {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}

async function update(options: HandlerOptions, request: Request, url: URL): Promise<Response> {
  const payload = parsePayload(await readBody(request, options.maxBodyBytes));
  const served = await options.served();
  const endId = url.searchParams.get("endId") ?? "";
  if (endId !== "" && !served.signer.verifyEndId(endId)) {
    throw new RequestError(400, "Invalid endId: reload the page");
  }
  const spec = served.callbacks.get(payload.output);
  if (spec === undefined)
    throw new RequestError(400, `No callback is registered for output "${payload.output.slice(0, 200)}"`);
  await cancelHandles(served, endId, [...url.searchParams.getAll("oldJob"), ...url.searchParams.getAll("cancelJob")]);
  if (served.cancelCallbacks.has(spec.id)) return noContent();
  if (!spec.background) return runNormal(spec, payload, request, url, options);
  const deps: BackgroundDeps = { ...options, signer: served.signer, manager: served.managerOf(spec) };
  return url.searchParams.has("cacheKey")
    ? pollJob(spec, payload, request, url.searchParams, endId, deps)
    : startJob(spec, payload, request, endId, url.pathname, deps);
}

/** Cancels the jobs behind valid `oldJob`/`cancelJob` handles; a bad handle is ignored. */
async function cancelHandles(served: ServedApp, endId: string, handles: string[]): Promise<void> {
  const jobIds = handles.map((handle) => served.signer.open("job", endId, handle)).filter((id) => id !== undefined);
  // A handle does not say which manager holds the job; cancelling an unknown id is a no-op.
  await Promise.all(jobIds.flatMap((jobId) => served.managers.map((manager) => manager.cancel(jobId))));
}

async function runNormal(
  spec: CallbackSpec,
  payload: UpdatePayload,
  request: Request,
  url: URL,
  options: HandlerOptions,
): Promise<Response> {
  const context = contextOf(payload, request, url.pathname);
  const ran = await runNormalCallback(spec, argsOf(spec, payload), context);
  if (ran.outcome.kind === "error") options.log(`Callback "${spec.id}" failed: ${ran.outcome.message}`);
  const { outcome, sideUpdate } = await handleErrorOutcome(spec, ran.outcome, context, ran.sideUpdate, options.onError);
  return respondOutcome(spec, payload, outcome, { sideUpdate, background: false, debug: options.debug });
}
