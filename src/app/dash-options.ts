import { describeValue, invalidArgument } from "../errors.js";
import type { BackgroundCallbackManager, Json } from "../manager/contract.js";
import { assertInteger } from "../manager/validate.js";
import type { MetricsOptions } from "../metrics/options.js";
import { ClientLimits } from "../server/client-limits.js";

/** Options of {@link Dash}. Durations are in milliseconds. */
export interface DashOptions {
  /** The manager of every background callback without its own `manager`. */
  readonly backgroundCallbackManager?: BackgroundCallbackManager;
  /** The page title. @default "Dash" */
  readonly title?: string;
  /** The path the app is served under, with a trailing slash. @default the `DASH_URL_BASE_PATHNAME` environment variable, else "/" */
  readonly urlBasePathname?: string;
  /**
   * The prefix the server's routes sit under, when a framework strips the mount path before the
   * app sees the request (Express's `app.use("/dash", dashApp.listener)`: routes `"/"`, requests `"/dash/"`).
   * @default `urlBasePathname`
   */
  readonly routesPathnamePrefix?: string;
  /** The prefix the browser puts before every URL (behind a proxy that rewrites paths). @default `urlBasePathname` */
  readonly requestsPathnamePrefix?: string;
  /**
   * The `preventInitialCall` of every callback that does not set its own (Dash's
   * `prevent_initial_callbacks`): `true` skips the calls on page load; `"initialDuplicate"` keeps
   * them and allows `allowDuplicate` outputs.
   * @default false
   */
  readonly preventInitialCallbacks?: boolean | "initialDuplicate";
  /** Don't report callbacks whose components are missing from the layout (for dynamic layouts). @default false */
  readonly suppressCallbackExceptions?: boolean;
  /** Show the dev-tools UI in the browser and error details in responses. @default false */
  readonly debug?: boolean;
  /** Secret that signs job handles; every web process must share it. @default the `BACKGROUND_CALLBACKS_SECRET` environment variable, else one kept by the manager, else a random one */
  readonly secret?: string;
  /** The page title while callbacks run; `null` turns it off. @default "Updating..." */
  readonly updateTitle?: string | null;
  /** How long the first request of a background callback waits for a fast result. @default 50 */
  readonly firstResponseWaitMs?: number;
  /** How long a poll waits for news of a running job before answering empty. @default 10_000 */
  readonly longPollMs?: number;
  /** Largest request body accepted; a larger one is answered `413`. @default 1_048_576 */
  readonly maxBodyBytes?: number;
  /** Deepest nesting of arrays and objects accepted in a request body; deeper is answered `400`. @default 64 */
  readonly maxJsonDepth?: number;
  /**
   * How long polls answer "still running" while the manager's backend is unreachable (a Redis
   * restart); past it the page shows an error naming the outage. Starts answer `503` with
   * `Retry-After` all along.
   * @default 30_000
   */
  readonly backendOutageMs?: number;
  /**
   * Turns the error of any callback without its own `onError` into outputs (see the callback option).
   * @default none: the browser shows the error
   */
  readonly onError?: (error: Error) => unknown;
  /**
   * Derives per-request data from each callback request, seen as `ctx.custom` in normal callbacks
   * and in background jobs (Dash's `custom_data` hooks). Return a JSON object (or a promise of
   * one) of at most `maxRequestDataBytes`; it is stored with the job, so put in it only what the
   * job needs (a user id, not the session cookie). A hook that throws answers the request `500`.
   * @default none: `ctx.custom` is `{}`
   * @example
   * ```ts
   * new Dash({ requestData: (request) => ({ userId: userOfSession(request.headers.get("cookie")) }) });
   * ```
   */
  readonly requestData?: (request: Request) => RequestData | Promise<RequestData>;
  /** Largest `requestData` value, in bytes of JSON. @default 16_384 */
  readonly maxRequestDataBytes?: number;
  /**
   * The cookies a background job sees as `ctx.cookies`: `true` all (as Dash), `false` none, or a
   * list of names. Jobs are stored by the manager (SQLite, Redis), so leave session cookies out
   * and pass what the job needs through `requestData`. Normal callbacks always see every cookie.
   * @default true
   */
  readonly jobCookies?: boolean | readonly string[];
  /**
   * Serves Prometheus metrics at `<routesPathnamePrefix>_dash-metrics` (GET): jobs submitted,
   * started and ended, their durations and queue waits, poll latency, and each manager's queue
   * depth, running jobs and live workers (see docs/metrics.md). The endpoint names the app's
   * callbacks: let only the scraper reach it. `true`, or options such as the path.
   * @default false: the route answers `404`
   */
  readonly metrics?: boolean | MetricsOptions;
  /**
   * The most background jobs one client may have queued (submitted, not started) at once; a start
   * past it is answered `429` with `Retry-After` ("Too many queued jobs ...; wait for one to
   * start"), which the page shows as a failed callback, or through `onError`. A client is a page
   * load, or the value of the `clientCookie` session cookie. Counted per web process: with N
   * processes a client may have up to N times as many.
   * @default no limit
   */
  readonly maxQueuedPerClient?: number;
  /**
   * The session cookie that names a client for `maxQueuedPerClient`, so that the tabs of one
   * session share one count. A request without it counts as its page load.
   * @default none: each page load is a client
   */
  readonly clientCookie?: string;
}

/** What {@link DashOptions.requestData} returns: a JSON object, or nothing. */
export type RequestData = { readonly [key: string]: Json } | null | undefined;

/** The app's options with their defaults applied, as `app.options` shows them. */
export type ResolvedDashOptions = Readonly<
  Required<
    Omit<
      DashOptions,
      | "backgroundCallbackManager"
      | "secret"
      | "updateTitle"
      | "onError"
      | "requestData"
      | "maxQueuedPerClient"
      | "clientCookie"
      | "metrics"
    >
  > &
    Required<Pick<DashOptions, "preventInitialCallbacks">>
> &
  DashOptions;

function pathPrefix(name: string, value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/") || !value.endsWith("/")) {
    throw invalidArgument("app", `Expected \`${name}\` to start and end with "/", got ${describeValue(value)}`);
  }
  return value;
}

function checkJobCookies(value: unknown): boolean | readonly string[] {
  const ok =
    typeof value === "boolean" || (Array.isArray(value) && value.every((name) => typeof name === "string" && name));
  if (!ok) {
    throw invalidArgument(
      "app",
      `Expected \`jobCookies\` to be a boolean or a list of cookie names, got ${describeValue(value)}`,
    );
  }
  return value as boolean | readonly string[];
}

/** The counts of `maxQueuedPerClient`, when the app sets it. */
export function clientLimits(options: DashOptions): ClientLimits | undefined {
  const max = options.maxQueuedPerClient;
  return max === undefined ? undefined : new ClientLimits(max, options.clientCookie);
}

function checkClientLimits(options: DashOptions): void {
  if (options.maxQueuedPerClient !== undefined) {
    assertInteger("app", "maxQueuedPerClient", options.maxQueuedPerClient, 1, 1_000_000);
  }
  const cookie = options.clientCookie;
  if (cookie === undefined) return;
  if (typeof cookie !== "string" || !/^[!#$%&'*+.^`|~\w-]+$/.test(cookie)) {
    throw invalidArgument("app", `Expected \`clientCookie\` to be a cookie name, got ${describeValue(cookie)}`);
  }
  if (options.maxQueuedPerClient === undefined) {
    throw invalidArgument("app", "`clientCookie` names the client of `maxQueuedPerClient`: set that limit too");
  }
}

export function resolveOptions(options: DashOptions): ResolvedDashOptions {
  if (options === null || typeof options !== "object") {
    throw invalidArgument("app", `Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
  const env = process.env;
  const prefix = pathPrefix("urlBasePathname", options.urlBasePathname ?? env.DASH_URL_BASE_PATHNAME ?? "/");
  const resolved = {
    ...options,
    title: options.title ?? "Dash",
    preventInitialCallbacks: options.preventInitialCallbacks ?? false,
    urlBasePathname: prefix,
    routesPathnamePrefix: pathPrefix(
      "routesPathnamePrefix",
      options.routesPathnamePrefix ?? env.DASH_ROUTES_PATHNAME_PREFIX ?? prefix,
    ),
    requestsPathnamePrefix: pathPrefix(
      "requestsPathnamePrefix",
      options.requestsPathnamePrefix ?? env.DASH_REQUESTS_PATHNAME_PREFIX ?? prefix,
    ),
    suppressCallbackExceptions: options.suppressCallbackExceptions ?? false,
    debug: options.debug ?? false,
    firstResponseWaitMs: options.firstResponseWaitMs ?? 50,
    longPollMs: options.longPollMs ?? 10_000,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    maxJsonDepth: options.maxJsonDepth ?? 64,
    backendOutageMs: options.backendOutageMs ?? 30_000,
    maxRequestDataBytes: options.maxRequestDataBytes ?? 16_384,
    jobCookies: checkJobCookies(options.jobCookies ?? true),
  };
  assertInteger("app", "firstResponseWaitMs", resolved.firstResponseWaitMs, 0, 60_000);
  assertInteger("app", "longPollMs", resolved.longPollMs, 0, 120_000);
  assertInteger("app", "maxBodyBytes", resolved.maxBodyBytes, 1024);
  assertInteger("app", "maxJsonDepth", resolved.maxJsonDepth, 8, 10_000);
  assertInteger("app", "backendOutageMs", resolved.backendOutageMs, 0, 3_600_000);
  assertInteger("app", "maxRequestDataBytes", resolved.maxRequestDataBytes, 2, 1_048_576);
  checkClientLimits(options);
  if (options.requestData !== undefined && typeof options.requestData !== "function") {
    throw invalidArgument(
      "app",
      `Expected \`requestData\` to be a function, got ${describeValue(options.requestData)}`,
    );
  }
  const manager = options.backgroundCallbackManager;
  if (manager !== undefined && (manager === null || typeof manager.submit !== "function")) {
    throw invalidArgument(
      "app",
      `Expected \`backgroundCallbackManager\` to be a manager (DiskManager, QueueManager, ...), got ${describeValue(manager)}`,
    );
  }
  const initial = options.preventInitialCallbacks;
  if (initial !== undefined && typeof initial !== "boolean" && initial !== "initialDuplicate") {
    throw invalidArgument(
      "app",
      `Expected \`preventInitialCallbacks\` to be a boolean or "initialDuplicate", got ${describeValue(initial)}`,
    );
  }
  if (options.onError !== undefined && typeof options.onError !== "function") {
    throw invalidArgument("app", `Expected \`onError\` to be a function, got ${describeValue(options.onError)}`);
  }
  if (options.secret !== undefined && (typeof options.secret !== "string" || options.secret.length < 16)) {
    throw invalidArgument("app", "Expected `secret` to be a string of at least 16 characters");
  }
  return resolved;
}
