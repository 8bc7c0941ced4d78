import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { processRegistry } from "./jobs.js";

/** The metrics server of a worker process. */
export interface MetricsServer {
  /** `http://<host>:<port>/metrics`, with the port actually bound. */
  readonly url: string;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves this process's job metrics (what its worker pools started and ended) and prom-client's
 * process metrics at `/metrics`, over plain node:http: what `--metrics-port` starts.
 * @throws when the address cannot be bound (in use, not local), with a message that names it.
 */
export async function serveMetrics(options: { readonly port: number; readonly host: string }): Promise<MetricsServer> {
  const registry = processRegistry(true);
  const server = createServer((request, response) => {
    answer(request, response, () => registry.metrics(), registry.contentType);
  });
  server.listen(options.port, options.host);
  try {
    await once(server, "listening");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot serve metrics on ${options.host}:${options.port} (--metrics-port): ${reason}`, {
      cause: error,
    });
  }
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/metrics`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function answer(
  request: IncomingMessage,
  response: ServerResponse,
  metrics: () => Promise<string>,
  contentType: string,
): void {
  const path = (request.url ?? "").split("?")[0];
  const send = (status: number, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers });
    response.end(request.method === "HEAD" ? undefined : body);
  };
  if (path !== "/metrics") {
    send(404, "Not found: the metrics are at /metrics\n");
    return;
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    send(405, "Use GET or HEAD\n", { Allow: "GET, HEAD" });
    return;
  }
  metrics().then(
    (text) => send(200, text, { "Content-Type": contentType, "Cache-Control": "no-store" }),
    () => send(500, "The metrics could not be collected\n"),
  );
}
