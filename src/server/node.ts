import { IncomingMessage, type OutgoingHttpHeaders, type Server, ServerResponse, STATUS_CODES } from "node:http";
import { Server as NetServer } from "node:net";
import type { Duplex } from "node:stream";
import { RequestError as AdapterRequestError, getRequestListener } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import { describeValue, invalidArgument } from "../errors.js";
import { withReadBody } from "./payload.js";
import { textOf } from "./respond.js";

/** The methods the app serves; any other is answered `405` with this as `Allow`. */
const ALLOW = "GET, HEAD, POST";
const SERVED = new Set(["GET", "HEAD", "POST", "OPTIONS"]);

/** A Host header: a name or IPv4 address, or an IPv6 address in brackets, and maybe a port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=-]+)(?::(\d{1,5}))?$/;

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * Aborts when the server stops: from then on every request's signal is aborted too (a pending
   * long poll answers at once, "still running", and the page polls again, maybe another process),
   * and every response not yet sent closes its connection.
   * @default none: requests abort only when their client goes away
   */
  readonly stopping?: AbortSignal;
}

/**
 * A node:http listener that serves a fetch-style handler (for `http.createServer`, Express, ...).
 * What cannot become a `Request` (a malformed Host or target, a method outside GET, HEAD and
 * POST) is answered here, `400` or `405`, before any conversion; a client that goes away aborts
 * the request's signal, so long polls stop waiting on its behalf.
 */
export function toNodeListener(
  handler: FetchHandler,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const { stopping } = options;
  const listener = getRequestListener(sendingText(stopping === undefined ? handler : abortingOn(handler, stopping)), {
    overrideGlobalObjects: false,
    hostname: "localhost",
    errorHandler: (error) =>
      error instanceof AdapterRequestError
        ? new Response(`Bad request: ${error.message}`, { status: 400, headers: { Connection: "close" } })
        : new Response("Internal server error", { status: 500 }),
  });
  const closeOnStop = stopping === undefined ? undefined : closingOnStop(stopping);
  return (req, res) => {
    closeOnStop?.(res);
    const refusal = refuse(req);
    if (refusal === undefined) {
      listener(req, res).catch((error: unknown) => answerFailure(res, error));
      return;
    }
    const [status, message, headers] = refusal;
    answer(res, status, message, headers);
  };
}

/** Runs `onStop` for each member still in the set when `stopping` aborts: one listener, however many requests. */
function stopSet<T>(stopping: AbortSignal, onStop: (member: T) => void): Set<T> {
  const members = new Set<T>();
  stopping.addEventListener("abort", () => {
    for (const member of members) onStop(member);
  });
  return members;
}

type FetchHandler = (request: Request, env?: unknown) => Promise<Response>;

/** The adapter's per-request bindings: node:http's request and response. */
interface NodeBindings {
  incoming?: unknown;
  outgoing?: unknown;
}

/**
 * The handler, whose responses made by ./respond.js (the protocol's JSON and error texts) are
 * written to node:http at once, without reading their body's stream.
 */
function sendingText(handler: FetchHandler): FetchHandler {
  return async (request, env) => {
    const response = await handler(request, env);
    const outgoing = (env as NodeBindings | undefined)?.outgoing;
    const text = textOf(response);
    if (text === undefined || !(outgoing instanceof ServerResponse) || outgoing.headersSent) return response;
    const headers: OutgoingHttpHeaders = {};
    response.headers.forEach((value, name) => {
      if (name !== "set-cookie") headers[name] = value;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) headers["set-cookie"] = cookies;
    if (text !== null) headers["content-length"] = Buffer.byteLength(text);
    outgoing.writeHead(response.status, headers);
    outgoing.end(text ?? undefined);
    return RESPONSE_ALREADY_SENT;
  };
}

/** Bodies up to this size, declared by `Content-Length`, are read at once into the request; larger ones stream. */
const BUFFERED_BODY_BYTES = 65_536;

/** The body of a request that declares a small `Content-Length`, read whole; `undefined` for any other. */
function smallBody(request: Request, env: unknown): Promise<Buffer> | undefined {
  const incoming = (env as NodeBindings | undefined)?.incoming;
  if (request.method === "GET" || request.method === "HEAD" || !(incoming instanceof IncomingMessage)) return undefined;
  const declared = incoming.headers["content-length"];
  if (declared === undefined || !/^\d{1,9}$/.test(declared) || Number(declared) > BUFFERED_BODY_BYTES) return undefined;
  if (incoming.readableDidRead) return undefined;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.once("end", () => resolve(Buffer.concat(chunks)));
    incoming.once("error", reject);
    incoming.once("close", () => {
      if (!incoming.complete) reject(new AdapterRequestError("the client closed the connection before its body ended"));
    });
  });
}

/** The handler, given requests whose signal also aborts when `stopping` does. */
function abortingOn(handler: FetchHandler, stopping: AbortSignal): FetchHandler {
  const pending = stopSet<AbortController>(stopping, (controller) => controller.abort());
  // `env` carries the adapter's incoming message (the socket, for `ctx.remote`): pass it on.
  return async (request, env) => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    const forget = onClientGone(request, env, abort);
    if (stopping.aborted) abort();
    pending.add(controller);
    try {
      // The adapter's Request cannot be the input of another one: rebuild it from its parts. A
      // small body is read here at once, sparing the stream the adapter would build for it, and
      // handed to the protocol's own reader as it is (the Request's body stays unread).
      const buffered = smallBody(request, env);
      const init: RequestInit & { duplex: "half" } = {
        method: request.method,
        headers: request.headers,
        body: buffered === undefined ? request.body : await buffered,
        duplex: "half",
        signal: controller.signal,
      };
      const rebuilt = new Request(request.url, init);
      return await handler(buffered === undefined ? rebuilt : withReadBody(rebuilt, init.body as Buffer), env);
    } finally {
      pending.delete(controller);
      forget();
    }
  };
}

/**
 * Runs `gone` when the client goes away before its response is sent; returns what stops that.
 * Watches node:http's response itself where there is one, which spares the adapter making its
 * request's signal (one more AbortController per request) only to relay that.
 */
function onClientGone(request: Request, env: unknown, gone: () => void): () => void {
  const outgoing = (env as NodeBindings | undefined)?.outgoing;
  if (!(outgoing instanceof ServerResponse)) {
    request.signal.addEventListener("abort", gone, { once: true });
    if (request.signal.aborted) gone();
    return () => request.signal.removeEventListener("abort", gone);
  }
  const closed = () => {
    if (!outgoing.writableFinished) gone();
  };
  if (outgoing.closed) closed();
  else outgoing.once("close", closed);
  return () => outgoing.off("close", closed);
}

/** Makes each response close its connection if the server stops before it is sent, so no client reuses it. */
function closingOnStop(stopping: AbortSignal): (res: ServerResponse) => void {
  const close = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader("Connection", "close");
  };
  const unsent = stopSet<ServerResponse>(stopping, close);
  return (res) => {
    if (stopping.aborted) {
      close(res);
      return;
    }
    unsent.add(res);
    res.once("close", () => unsent.delete(res));
  };
}

/**
 * Stops a server: no new connection is accepted, idle keep-alive connections close at once, and
 * the ones serving a request close when it is answered — or, past `graceMs`, are cut.
 * Resolves once every connection is closed.
 */
export function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Why a request cannot reach the handler (status, message, headers), or `undefined` when it can. */
function refuse(req: IncomingMessage): [number, string, Record<string, string>?] | undefined {
  const method = req.method ?? "";
  if (!SERVED.has(method)) return [405, `Method ${method.slice(0, 20)} is not allowed; use ${ALLOW}`, { Allow: ALLOW }];
  const host = req.headers.host;
  // HTTP/1.0 clients may send no Host (Node refuses that in HTTP/1.1 already).
  if (host !== undefined && !isValidHost(host)) return [400, "Bad request: malformed Host header"];
  if (!isValidTarget(req.url ?? "")) return [400, "Bad request: malformed request target"];
  return undefined;
}

function isValidHost(host: string): boolean {
  const match = HOST.exec(host);
  if (match === null || Number(match[1] ?? 0) > 65_535) return false;
  return URL.canParse(`http://${host}/`);
}

function isValidTarget(target: string): boolean {
  if (target.startsWith("/")) return URL.canParse(`http://localhost${target}`);
  if (!/^https?:\/\//i.test(target) || !URL.canParse(target)) return false;
  return isValidHost(new URL(target).host);
}

function answer(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...(message === "" ? {} : { "Content-Type": "text/plain; charset=utf-8" }),
    "Cache-Control": "no-store",
    // The body, if any, was not read: the connection cannot carry another request.
    Connection: "close",
    ...headers,
  });
  res.end(message);
}

function answerFailure(res: ServerResponse, error: unknown): void {
  console.error("[background-callbacks:server] Cannot send the response", error);
  if (res.headersSent) res.destroy();
  else answer(res, 500, "Internal server error");
}

/** Servers {@link hardenServer} has handled already: a second call adds nothing. */
const hardened = new WeakSet<NetServer>();

/**
 * Makes a node:http (or node:https) server answer what never reaches a listener: malformed
 * framing (`400`, `408`, `431`, then close) and `CONNECT` (`405`). Without it Node answers broken
 * framing with a bare `400` and a CONNECT leaves its connection open until it times out. `app.run()`
 * does this itself; call it on a server you create around `app.listener`. Idempotent.
 *
 * @example
 * ```ts
 * const server = hardenServer(http.createServer(app.listener));
 * server.listen(8050);
 * ```
 * @throws `INVALID_ARGUMENT` when `server` is not a node:http or node:https server.
 */
export function hardenServer<S extends Server>(server: S): S {
  if (!(server instanceof NetServer) || typeof (server as { setTimeout?: unknown }).setTimeout !== "function") {
    throw invalidArgument(
      "server",
      `Expected \`server\` to be a node:http or node:https server (\`http.createServer(app.listener)\`), got ${describeValue(server)}`,
    );
  }
  if (hardened.has(server)) return server;
  hardened.add(server);
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    // The parser knows every registered method, so one it refuses is unknown here too.
    if (error.code === "HPE_INVALID_METHOD") {
      socket.end(rawAnswer(405, { Allow: ALLOW }));
      return;
    }
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    socket.end(rawAnswer(status, {}));
  });
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => socket.destroy());
    socket.end(rawAnswer(405, { Allow: ALLOW }));
  });
  return server;
}

function rawAnswer(status: number, headers: Record<string, string>): string {
  const body = `${STATUS_CODES[status] ?? "Error"}\n`;
  const lines = Object.entries({
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(body)),
    Connection: "close",
    ...headers,
  }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n${lines.join("")}\r\n${body}`;
}

interface Stoppable {
  close(): Promise<void>;
  readonly boundMs: number;
}

/** The servers of this process that a signal stops. */
const stoppables = new Set<Stoppable>();

function onSignal(signal: NodeJS.Signals): void {
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  const again = () => process.exit(128 + (signal === "SIGINT" ? 2 : 15));
  process.once("SIGINT", again);
  process.once("SIGTERM", again);
  const all = [...stoppables];
  stoppables.clear();
  const boundMs = Math.max(0, ...all.map((entry) => entry.boundMs));
  setTimeout(() => {
    console.error(`[background-callbacks:server] Still stopping after ${boundMs} ms; exiting`);
    process.exit(1);
  }, boundMs).unref();
  Promise.all(all.map((entry) => entry.close())).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error("[background-callbacks:server] Error while stopping", error);
      process.exit(1);
    },
  );
}

/**
 * On SIGTERM or SIGINT, stops every server registered here, then exits 0 — or 1 when stopping
 * failed or took over the largest `boundMs`. A second signal exits at once.
 * @returns a function that unregisters `close` (once it was called otherwise)
 */
export function stopOnSignals(close: () => Promise<void>, boundMs: number): () => void {
  const entry: Stoppable = { close, boundMs };
  if (stoppables.size === 0) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  stoppables.add(entry);
  return () => {
    if (!stoppables.delete(entry) || stoppables.size > 0) return;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
