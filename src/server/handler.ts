import type { CallbackSpec } from "../app/callback-spec.js";
import { describeValue, invalidArgument, isErrorCode } from "../errors.js";
import type { BackgroundCallbackManager, JobContext, Json } from "../manager/contract.js";
import { isJson } from "../manager/validate.js";
import type { HandlerMetrics } from "../metrics/app.js";
import { serveAsset } from "./assets.js";
import { type BackgroundDeps, pollJob, startJob, waitOutOutage } from "./background.js";
import type { ClientLimits } from "./client-limits.js";
import { runNormalCallback } from "./normal.js";
import { type ErrorHandler, handleErrorOutcome } from "./on-error.js";
import { Outages } from "./outages.js";
import { respondOutcome } from "./outcome.js";
import { parsePayload, RequestError, readBody, requireJson, type UpdatePayload } from "./payload.js";
import { errorText, json, noContent, RETRY_AFTER_SECONDS } from "./respond.js";
import type { SharedSigner } from "./shared-signer.js";
import { Starting } from "./starting.js";
import { argsOf, checkTargets, contextOf } from "./wire.js";

/** The app as the server sees it, once its callbacks are set up. */
export interface ServedApp {
  readonly callbacks: ReadonlyMap<string, CallbackSpec>;
  /** Ids of the hidden callbacks that carry `cancelJob`. */
  readonly cancelCallbacks: ReadonlySet<string>;
  /** For a callback id, the background callbacks whose jobs its requests may cancel (`cancelJob`). */
  readonly cancelTargets: ReadonlyMap<string, readonly string[]>;
  readonly dependencies: readonly unknown[];
  readonly managers: readonly BackgroundCallbackManager[];
  readonly signer: SharedSigner;
  managerOf(spec: CallbackSpec): BackgroundCallbackManager;
}

/** The app's settings and content the handler reads per request. */
export interface HandlerOptions {
  readonly routesPrefix: string;
  readonly debug: boolean;
  readonly maxBodyBytes: number;
  readonly maxJsonDepth: number;
  readonly firstResponseWaitMs: number;
  readonly longPollMs: number;
  readonly backendOutageMs: number;
  /** The app-wide error handler of callbacks without their own `onError`. */
  readonly onError?: ErrorHandler | undefined;
  /** Derives `ctx.custom` from a request (the app's `requestData`). */
  readonly requestData?: ((request: Request) => unknown) | undefined;
  /** Largest `requestData` value, as JSON text. */
  readonly maxRequestDataBytes: number;
  /** Which cookies a background job sees: all, none, or these names. */
  readonly jobCookies: boolean | readonly string[];
  /** The app's Prometheus metrics: their route, and what requests count; undefined when off. */
  readonly metrics?: HandlerMetrics | undefined;
  /** The app's `maxQueuedPerClient` and `clientCookie`, when it sets a limit. */
  readonly clientLimits?: ClientLimits | undefined;
  indexPage(): Promise<string>;
  layout(): unknown;
  served(): Promise<ServedApp>;
  log(message: string, error?: unknown): void;
}

const ALLOW_READ = "GET, HEAD";

/** What the handler keeps across requests: backend outages seen, first responses being prepared. */
interface HandlerState {
  readonly outages: Outages;
  readonly starting: Starting;
}

/**
 * The Dash protocol as a fetch-style handler: `Request` in, `Response` out; never throws. The
 * optional second argument is the host's per-request bindings (node:http's `{ incoming }`), where
 * the client's address comes from.
 */
export function createHandler(options: HandlerOptions): (request: Request, env?: unknown) => Promise<Response> {
  const state: HandlerState = { outages: new Outages(options.backendOutageMs), starting: new Starting() };
  const handle = async (request: Request, env?: unknown): Promise<Response> => {
    try {
      return await route(options, state, request, remoteOf(env));
    } catch (error) {
      return failure(options, request, error);
    }
  };
  return options.metrics?.wrap(handle, options.routesPrefix) ?? handle;
}

function failure(options: HandlerOptions, request: Request, error: unknown): Response {
  if (error instanceof RequestError) {
    const response = errorText(error.status, error.message);
    for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
    if (error.closeConnection) response.headers.set("Connection", "close");
    return response;
  }
  options.log(`${request.method} ${pathOf(request)} failed`, error);
  const detail = options.debug && error instanceof Error ? `\n${error.stack ?? error.message}` : "";
  if (isErrorCode(error, "BACKEND")) {
    const response = errorText(
      503,
      `BackgroundCallbackError: The background job backend is unreachable; try again in a few seconds${detail}`,
    );
    response.headers.set("Retry-After", String(RETRY_AFTER_SECONDS));
    return response;
  }
  return errorText(500, `Internal server error${detail}`);
}

function pathOf(request: Request): string {
  try {
    return new URL(request.url).pathname;
  } catch {
    return "(unparsable URL)";
  }
}

/** The client's address from node:http's bindings; `""` on hosts that pass none. */
function remoteOf(env: unknown): string {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: unknown } } } | undefined)?.incoming;
  const address = incoming?.socket?.remoteAddress;
  return typeof address === "string" ? address : "";
}

async function route(
  options: HandlerOptions,
  state: HandlerState,
  request: Request,
  remote: string,
): Promise<Response> {
  const url = new URL(request.url);
  if (!url.pathname.startsWith(options.routesPrefix)) return errorText(404, "Not found");
  const path = url.pathname.slice(options.routesPrefix.length);
  const allow = path === "_dash-update-component" ? "POST" : ALLOW_READ;
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: { Allow: allow } });
  if (path === "_dash-update-component") {
    if (request.method !== "POST") throw notAllowed(request.method, "POST");
    return update(options, state, request, url, remote);
  }
  if (request.method !== "GET" && request.method !== "HEAD") throw notAllowed(request.method, ALLOW_READ);
  if (path.startsWith("_dash-component-suites/"))
    return serveAsset(path.slice("_dash-component-suites/".length), request);
  if (path === "_dash-layout") return json(options.layout());
  if (path === "_dash-dependencies") return json((await options.served()).dependencies);
  if (path === "_favicon.ico") return noContent();
  if (path.startsWith("_")) return errorText(404, `Not found: ${path.slice(0, 200)}`);
  const html = await options.indexPage();
  return new Response(request.method === "HEAD" ? null : html, {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}

function notAllowed(method: string, allow: string): RequestError {
  return new RequestError(405, `Method ${method.slice(0, 20)} is not allowed here; use ${allow}`, {
    headers: { Allow: allow },
  });
}

async function update(
  options: HandlerOptions,
  { outages, starting }: HandlerState,
  request: Request,
  url: URL,
  remote: string,
): Promise<Response> {
  const arrivedAt = performance.now();
  requireJson(request);
  const payload = parsePayload(await readBody(request, options.maxBodyBytes), options.maxJsonDepth);
  const served = await options.served();
  const spec = served.callbacks.get(payload.output);
  if (spec === undefined)
    throw new RequestError(400, `No callback is registered for output "${payload.output.slice(0, 200)}"`);
  const requestContext = (path: string) => contextFor(options, payload, request, path, remote);
  const deps: BackgroundDeps | undefined = spec.background
    ? {
        ...options,
        outages,
        starting,
        arrivedAt,
        signer: served.signer,
        manager: metered(options, served, spec),
        requestContext,
      }
    : undefined;
  const endId = url.searchParams.get("endId") ?? "";
  try {
    if (endId !== "" && !(await served.signer.verifyEndId(endId))) {
      throw new RequestError(400, "Invalid endId: reload the page");
    }
  } catch (error) {
    // A poll waits out an outage of the backend that holds the secret, as any other.
    const poll = deps !== undefined && url.searchParams.has("cacheKey");
    if (poll && isErrorCode(error, "BACKEND")) return waitOutOutage(deps, request.signal, error);
    throw error;
  }
  const named = await cancelHandles(served, spec, endId, url.searchParams);
  if (served.cancelCallbacks.has(spec.id)) {
    // A cancel that names no job was clicked before the page had any job's handles: the jobs this
    // process is starting for the page are the ones it meant. One that names jobs meant those.
    if (named === 0 && endId !== "") await starting.cancel(endId, served.cancelTargets.get(spec.id) ?? [], arrivedAt);
    return noContent();
  }
  checkTargets(spec, payload);
  if (deps === undefined) return runNormal(spec, payload, await requestContext(url.pathname), options);
  const poll = url.searchParams.has("cacheKey");
  const answer = poll
    ? pollJob(spec, payload, request, url.searchParams, endId, deps)
    : startJob(spec, payload, request, endId, url.pathname, deps);
  return options.metrics?.timed(spec.id, poll ? "poll" : "start", answer) ?? answer;
}

/** The callback's manager; with metrics on, one that counts its submits. */
function metered(options: HandlerOptions, served: ServedApp, spec: CallbackSpec): BackgroundCallbackManager {
  const manager = served.managerOf(spec);
  return options.metrics === undefined ? manager : options.metrics.manager(manager);
}

/**
 * Cancels the jobs behind valid `oldJob` and `cancelJob` handles: ones issued for this callback
 * (a replaced run) or for a background callback whose cancel inputs are among this callback's
 * inputs (the renderer's cancel). Any other handle is ignored. Returns how many jobs it named.
 */
async function cancelHandles(
  served: ServedApp,
  spec: CallbackSpec,
  endId: string,
  query: URLSearchParams,
): Promise<number> {
  const owners = [spec.id, ...(served.cancelTargets.get(spec.id) ?? [])];
  // With `cancelPrevious: false` the run this one replaces in the browser keeps running to its end.
  const oldJobs = spec.options.cancelPrevious === false ? [] : query.getAll("oldJob");
  const handles = [...oldJobs, ...query.getAll("cancelJob")].slice(0, 100);
  const opened = handles.map((handle) => served.signer.openAny("job", endId, owners, handle));
  const jobIds = new Set((await Promise.all(opened)).filter((id) => id !== undefined));
  // A handle does not say which manager holds the job; cancelling an unknown id is a no-op.
  await Promise.all([...jobIds].flatMap((jobId) => served.managers.map((manager) => manager.cancel(jobId))));
  return jobIds.size;
}

async function runNormal(
  spec: CallbackSpec,
  payload: UpdatePayload,
  context: JobContext,
  options: HandlerOptions,
): Promise<Response> {
  const ran = await runNormalCallback(spec, argsOf(spec, payload), context);
  if (ran.outcome.kind === "error") options.log(`Callback "${spec.id}" failed: ${ran.outcome.message}`);
  const { outcome, sideUpdate } = await handleErrorOutcome(spec, ran.outcome, context, ran.sideUpdate, options.onError);
  return respondOutcome(spec, payload, outcome, { sideUpdate, background: false, debug: options.debug });
}

/** The request's `ctx`, with the app's `requestData` as `ctx.custom`. */
async function contextFor(
  options: HandlerOptions,
  payload: UpdatePayload,
  request: Request,
  path: string,
  remote: string,
): Promise<JobContext> {
  const custom = options.requestData === undefined ? undefined : await requestDataOf(options, request);
  return contextOf(payload, request, path, { remote, ...(custom === undefined ? {} : { custom }) });
}

/** Runs the app's `requestData` hook and checks its value: a JSON object of bounded size. */
async function requestDataOf(options: HandlerOptions, request: Request): Promise<Record<string, Json>> {
  const value = await options.requestData?.(request);
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value) || !isJson(value)) {
    throw invalidArgument("app", `Expected \`requestData\` to return a JSON object, got ${describeValue(value)}`);
  }
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > options.maxRequestDataBytes) {
    throw invalidArgument(
      "app",
      `Expected \`requestData\` to return at most ${options.maxRequestDataBytes} bytes of JSON (\`maxRequestDataBytes\`), got ${size}`,
    );
  }
  return value as Record<string, Json>;
}
