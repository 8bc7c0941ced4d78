import { createServer, type Server } from "node:http";
import { childrenProps } from "../components/index.js";
import { invalidArgument, isErrorCode } from "../errors.js";
import type { BackgroundCallbackManager } from "../manager/contract.js";
import { assertInteger } from "../manager/validate.js";
import { createAppMetrics } from "../metrics/app.js";
import { type ResolvedMetricsOptions, resolveMetricsOptions } from "../metrics/options.js";
import { scriptUrls } from "../server/assets.js";
import { createHandler, type ServedApp } from "../server/handler.js";
import { indexHtml } from "../server/index-html.js";
import { closeGracefully, hardenServer, stopOnSignals, toNodeListener } from "../server/node.js";
import { isWorkerProcess } from "../worker/role.js";
import type { CallbackFunction, CallbackOptions, CallbackSpec } from "./callback-spec.js";
import { clientLimits, type DashOptions, type ResolvedDashOptions, resolveOptions } from "./dash-options.js";
import { type LayoutValue, layoutJson, validateLayout } from "./layout.js";
import { defineCallback, globalCallbackSpecs } from "./registry.js";
import { setUp } from "./setup.js";

/** Options of {@link Dash.run}. Durations are in milliseconds. */
export interface RunOptions {
  /** @default the `PORT` environment variable, else 8050 */
  readonly port?: number;
  /** @default the `HOST` environment variable, else "127.0.0.1" */
  readonly host?: string;
  /**
   * How long a stopping server lets requests being served finish before it cuts their
   * connections. Pending long polls do not wait for it: they answer "still running" at once.
   * @default 10_000
   */
  readonly shutdownGraceMs?: number;
}

/** A running HTTP server of an app. */
export interface RunningApp {
  readonly url: string;
  readonly server: Server;
  /**
   * Stops gracefully: no new connections, pending long polls answered at once (the pages poll
   * again, maybe another process), idle connections closed, requests being served given
   * `shutdownGraceMs`; then the managers close. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

/** How long closing the managers may take after the connections are closed, on a signal. */
const MANAGER_CLOSE_MS = 5_000;

/**
 * A Dash app: a layout, callbacks, and the HTTP server the real Dash front end talks to.
 *
 * @example
 * ```ts
 * const app = new Dash({ backgroundCallbackManager: new DiskManager() });
 * app.layout = html.Div([html.Button({ id: "run", children: "Run" }), html.P({ id: "out" })]);
 * app.callback({ output: Output("out", "children"), inputs: Input("run", "n_clicks"), background: true }, slowReport);
 * await app.run({ port: 8050 });
 * ```
 */
export class Dash {
  readonly options: ResolvedDashOptions;
  readonly #callbacks: CallbackSpec[] = [];
  #layout: LayoutValue | undefined;
  #served: Promise<ServedApp> | undefined;
  #handler: ((request: Request) => Promise<Response>) | undefined;
  readonly #metrics: ResolvedMetricsOptions | undefined;

  constructor(options: DashOptions = {}) {
    this.options = resolveOptions(options);
    this.#metrics = resolveMetricsOptions(this.options.metrics);
  }

  /** The page's components: a component, a list of them, or a function returning one (called per page load). */
  get layout(): LayoutValue | undefined {
    return this.#layout;
  }

  set layout(value: LayoutValue | undefined) {
    this.#layout = validateLayout(value);
  }

  /**
   * Registers a callback on this app. See `callback()` for the options.
   * @throws `INVALID_ARGUMENT` for bad options, or once the app serves requests.
   */
  callback<F extends CallbackFunction>(options: CallbackOptions, fn: F): F {
    if (this.#served) throw invalidArgument("app", "Register callbacks before the app serves its first request");
    this.#callbacks.push(defineCallback(options, fn, this.options.preventInitialCallbacks));
    return fn;
  }

  /** The app as a fetch-style handler (`Request` → `Response`), to mount in Hono, Bun, Deno or a worker. */
  get fetch(): (request: Request) => Promise<Response> {
    this.#handler ??= this.#createHandler();
    return this.#handler;
  }

  /** The app as a node:http listener, to mount in Express or `http.createServer`. */
  get listener(): ReturnType<typeof toNodeListener> {
    return toNodeListener(this.fetch);
  }

  /**
   * Serves the app over HTTP in the web role; in a worker process it returns at once (the worker
   * only needs the callbacks this module registered). On SIGTERM or SIGINT it stops as
   * {@link RunningApp.close} does and exits 0 (1 if stopping failed); a second signal exits at once.
   */
  async run(options: RunOptions = {}): Promise<RunningApp | undefined> {
    if (isWorkerProcess()) return undefined;
    const port = options.port ?? Number(process.env.PORT ?? 8050);
    assertInteger("app", "port", port, 0, 65_535);
    const host = options.host ?? process.env.HOST ?? "127.0.0.1";
    const graceMs = options.shutdownGraceMs ?? 10_000;
    assertInteger("app", "shutdownGraceMs", graceMs, 0, 3_600_000);
    // A backend outage at start is waited out like any other: requests answer 503 until it is back.
    await this.#setUp().catch((error: unknown) => {
      if (!isErrorCode(error, "BACKEND")) throw error;
      serverLog("The backend is unreachable; serving anyway, requests answer 503 until it is back", error);
    });
    const stopping = new AbortController();
    const server = hardenServer(createServer(toNodeListener(this.fetch, { stopping: stopping.signal })));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, resolve);
    });
    const address = server.address();
    const actual = typeof address === "object" && address ? address.port : port;
    const url = `http://${host}:${actual}${this.options.routesPathnamePrefix}`;
    console.log(`Dash is running on ${url}`);
    let closing: Promise<void> | undefined;
    const close = () => {
      unregister();
      closing ??= this.#close(server, stopping, graceMs);
      return closing;
    };
    const unregister = stopOnSignals(close, graceMs + MANAGER_CLOSE_MS);
    return { url, server, close };
  }

  /** The managers this app's callbacks use (the app's and the per-callback ones). */
  async managers(): Promise<readonly BackgroundCallbackManager[]> {
    return (await this.#setUp()).managers;
  }

  #setUp(): Promise<ServedApp> {
    this.#served ??= setUp({
      callbacks: [...globalCallbackSpecs(), ...this.#callbacks],
      manager: this.options.backgroundCallbackManager,
      secret: this.options.secret ?? process.env.BACKGROUND_CALLBACKS_SECRET,
      preventInitialCallbacks: this.options.preventInitialCallbacks,
      log: serverLog,
    });
    const served = this.#served;
    // A set-up that failed (the backend holding the shared secret was unreachable) is tried again.
    served.catch(() => {
      if (this.#served === served) this.#served = undefined;
    });
    return served;
  }

  #createHandler(): (request: Request) => Promise<Response> {
    const { requestsPathnamePrefix: prefix, routesPathnamePrefix, debug } = this.options;
    return createHandler({
      routesPrefix: routesPathnamePrefix,
      debug,
      maxBodyBytes: this.options.maxBodyBytes,
      maxJsonDepth: this.options.maxJsonDepth,
      backendOutageMs: this.options.backendOutageMs,
      firstResponseWaitMs: this.options.firstResponseWaitMs,
      longPollMs: this.options.longPollMs,
      onError: this.options.onError,
      requestData: this.options.requestData,
      maxRequestDataBytes: this.options.maxRequestDataBytes,
      jobCookies: this.options.jobCookies,
      clientLimits: clientLimits(this.options),
      metrics:
        this.#metrics && createAppMetrics(this.#metrics, { log: serverLog, managers: () => this.#jobManagers() }),
      layout: () => layoutJson(this.#layout),
      served: () => this.#setUp(),
      indexPage: async () => {
        const { signer } = await this.#setUp();
        return indexHtml({
          title: this.options.title,
          prefix,
          config: this.#config(signer.newEndId()),
          scripts: scriptUrls(prefix, { dev: debug }),
        });
      },
      log: serverLog,
    });
  }

  /** The managers of the background callbacks, known without setting up (which needs the backend). */
  #jobManagers(): BackgroundCallbackManager[] {
    const specs = [...globalCallbackSpecs(), ...this.#callbacks].filter((spec) => spec.background);
    const managers = specs.map((spec) => spec.options.manager ?? this.options.backgroundCallbackManager);
    return [...new Set(managers)].filter((manager) => manager !== undefined);
  }

  #config(endId: string): Record<string, unknown> {
    const { urlBasePathname, requestsPathnamePrefix, debug } = this.options;
    return {
      url_base_pathname: urlBasePathname,
      requests_pathname_prefix: requestsPathnamePrefix,
      ui: debug,
      props_check: false,
      disable_version_check: true,
      show_undo_redo: false,
      suppress_callback_exceptions: this.options.suppressCallbackExceptions,
      update_title: this.options.updateTitle === undefined ? "Updating..." : this.options.updateTitle,
      children_props: childrenProps,
      serve_locally: true,
      validate_callbacks: debug,
      csrf_token_name: "_csrf_token",
      csrf_header_name: "X-CSRFToken",
      end_id: endId,
    };
  }

  async #close(server: Server, stopping: AbortController, graceMs: number): Promise<void> {
    stopping.abort();
    await closeGracefully(server, graceMs);
    const served = await this.#served?.catch(() => undefined);
    served?.signer.close();
    await Promise.all((served?.managers ?? []).map((manager) => manager.close()));
  }
}

function serverLog(message: string, error?: unknown): void {
  console.error(`[background-callbacks:server] ${message}`, error ?? "");
}
