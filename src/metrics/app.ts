import type { Counter, Histogram, Registry } from "prom-client";
import type { BackgroundCallbackManager } from "../manager/contract.js";
import { ManagerGauges, type NamedManager } from "./gauges.js";
import { processRegistry } from "./jobs.js";
import type { ResolvedMetricsOptions } from "./options.js";
import { BoundedLabel, MAX_CALLBACKS, metricsIn, prom } from "./prom.js";

/** Seconds a first response or poll of a background callback takes (long polls wait up to 10 s). */
const POLL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

/** What the request handler needs of the metrics: see {@link createAppMetrics}. */
export interface HandlerMetrics {
  /** The handler, with the metrics route and request counting around it. */
  wrap<E>(
    handle: (request: Request, env?: E) => Promise<Response>,
    routesPrefix: string,
  ): (request: Request, env?: E) => Promise<Response>;
  /** The manager, with its submits counted (the same object for the same manager). */
  manager(manager: BackgroundCallbackManager): BackgroundCallbackManager;
  /** Times a background callback's first response (`start`) or poll (`poll`). */
  timed(callbackId: string, kind: "start" | "poll", answer: Promise<Response>): Promise<Response>;
}

/** What the metrics read of their app. */
export interface MeteredApp {
  /**
   * The managers of the app's background callbacks, read at each scrape; known without the
   * backend (a scrape during an outage reports the manager down).
   */
  managers(): readonly BackgroundCallbackManager[];
  log(message: string, error?: unknown): void;
}

/**
 * The metrics of one app's web process, served with the process's job metrics.
 * @throws `DEPENDENCY_MISSING` when prom-client cannot be loaded.
 */
export function createAppMetrics(options: ResolvedMetricsOptions, app: MeteredApp): HandlerMetrics {
  return new AppMetrics(options, app);
}

/** The routes a request counts under: a fixed set, whatever the path. */
function routeOf(path: string, metricsPath: string): string {
  if (path === "_dash-update-component") return "update";
  if (path === metricsPath) return "metrics";
  if (path.startsWith("_dash-component-suites/")) return "assets";
  if (path === "_dash-layout" || path === "_dash-dependencies") return path.slice(6);
  return path.startsWith("_") ? "other" : "index";
}

/** The path after `prefix`, or undefined for a URL outside it. */
function pathUnder(url: string, prefix: string): string | undefined {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return undefined;
  }
  return pathname.startsWith(prefix) ? pathname.slice(prefix.length) : undefined;
}

class AppMetrics implements HandlerMetrics {
  readonly #options: ResolvedMetricsOptions;
  readonly #registry: Registry;
  readonly #submitted: Counter<"callback" | "manager">;
  readonly #submitErrors: Counter<"callback" | "manager">;
  readonly #polls: Histogram<"callback" | "kind">;
  readonly #requests: Counter<"route" | "status">;
  readonly #gauges: ManagerGauges;
  readonly #callbacks = new BoundedLabel(MAX_CALLBACKS);
  readonly #metered = new WeakMap<BackgroundCallbackManager, BackgroundCallbackManager>();
  readonly #app: MeteredApp;

  constructor(options: ResolvedMetricsOptions, app: MeteredApp) {
    const client = prom();
    this.#options = options;
    this.#app = app;
    // The job metrics register first: a failure to load prom-client fails the app's start, not a scrape.
    processRegistry(options.defaultMetrics);
    this.#registry = new client.Registry();
    const { counter, histogram } = metricsIn(this.#registry);
    this.#submitted = counter(
      "background_callbacks_jobs_submitted_total",
      "Jobs this web process submitted to a manager (memoised results included)",
      ["callback", "manager"],
    );
    this.#submitErrors = counter(
      "background_callbacks_submit_errors_total",
      "Submits of this web process that the manager rejected (a backend outage, a bad job)",
      ["callback", "manager"],
    );
    this.#polls = histogram(
      "background_callbacks_poll_duration_seconds",
      "Seconds this web process took to answer a background callback's first request (kind=start) or poll (kind=poll), long-poll waits included",
      ["callback", "kind"],
      POLL_BUCKETS,
    );
    this.#requests = counter(
      "background_callbacks_http_requests_total",
      "HTTP requests this web process answered, by route and status class",
      ["route", "status"],
    );
    this.#gauges = new ManagerGauges(this.#registry, options.inspectTimeoutMs, app.log);
  }

  wrap<E>(
    handle: (request: Request, env?: E) => Promise<Response>,
    routesPrefix: string,
  ): (request: Request, env?: E) => Promise<Response> {
    return async (request, env) => {
      const path = pathUnder(request.url, routesPrefix);
      const response = path === this.#options.path ? await this.#scrape(request) : await handle(request, env);
      if (path !== undefined) {
        const status = `${Math.floor(response.status / 100)}xx`;
        this.#requests.inc({ route: routeOf(path, this.#options.path), status });
      }
      return response;
    };
  }

  manager(manager: BackgroundCallbackManager): BackgroundCallbackManager {
    let metered = this.#metered.get(manager);
    if (metered === undefined) {
      const name = managerName(manager, this.#app.managers());
      metered = meter(manager, name, this.#submitted, this.#submitErrors, this.#callbacks);
      this.#metered.set(manager, metered);
    }
    return metered;
  }

  async timed(callbackId: string, kind: "start" | "poll", answer: Promise<Response>): Promise<Response> {
    const stop = this.#polls.startTimer({ callback: this.#callbacks.of(callbackId), kind });
    try {
      return await answer;
    } finally {
      stop();
    }
  }

  async #scrape(request: Request): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      const allow = { Allow: "GET, HEAD" };
      if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: allow });
      return new Response(`Method ${request.method.slice(0, 20)} is not allowed here; use GET, HEAD`, {
        status: 405,
        headers: { ...allow, "Content-Type": "text/plain; charset=utf-8" },
      });
    }
    const all = this.#app.managers();
    await this.#gauges.read(all.map((manager) => ({ name: managerName(manager, all), manager }) as NamedManager));
    const registry = prom().Registry.merge([this.#registry, processRegistry(this.#options.defaultMetrics)]);
    const text = await registry.metrics();
    return new Response(request.method === "HEAD" ? null : text, {
      headers: { "Content-Type": registry.contentType, "Cache-Control": "no-store" },
    });
  }
}

/**
 * The `manager` label of a manager: its class name, with `_2`, `_3`... for a second and third
 * manager of the same class in the app.
 */
function managerName(manager: BackgroundCallbackManager, all: readonly BackgroundCallbackManager[]): string {
  const kind = (manager: BackgroundCallbackManager) => {
    const name = (manager as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" && name !== "Object" ? name : "manager";
  };
  const same = all.filter((other) => kind(other) === kind(manager));
  const index = same.indexOf(manager);
  return index > 0 ? `${kind(manager)}_${index + 1}` : kind(manager);
}

/** The manager, its `submit` counted; every other member is the manager's own, bound to it. */
function meter(
  manager: BackgroundCallbackManager,
  name: string,
  submitted: Counter<"callback" | "manager">,
  errors: Counter<"callback" | "manager">,
  callbacks: BoundedLabel,
): BackgroundCallbackManager {
  const submit: BackgroundCallbackManager["submit"] = async (job) => {
    const labels = { callback: callbacks.of(job.callbackId), manager: name };
    try {
      const handle = await manager.submit(job);
      submitted.inc(labels);
      return handle;
    } catch (error) {
      errors.inc(labels);
      throw error;
    }
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(manager, {
    get(target, key) {
      if (key === "submit") return submit;
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (!bound.has(key)) bound.set(key, value.bind(target));
      return bound.get(key);
    },
  });
}
