import { parseArgs } from "node:util";

/** What the command line asks for. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
      readonly kind: "worker";
      readonly module: string;
      /** Undefined: each QueueManager's own `concurrency` option. */
      readonly concurrency?: number;
      readonly shutdownGraceMs: number;
      /** `--metrics-port` and `--metrics-host`: where the worker serves Prometheus metrics. */
      readonly metrics?: { readonly port: number; readonly host: string };
    }
  | {
      readonly kind: "status";
      readonly module: string;
      /** One JSON document on stdout instead of the report for people. */
      readonly json: boolean;
    };

/** A mistake on the command line: exit code 2 with the message and a pointer to `--help`. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Exit codes, as `--help` documents them. */
export const EXIT = Object.freeze({
  ok: 0,
  failed: 1,
  usage: 2,
  moduleNotLoaded: 3,
  noQueueManager: 4,
  /** `status`: a manager's backend could not be read. */
  unreachable: 5,
});

/** Default of `--shutdown-grace-ms`: below `docker stop`'s 10 s, so jobs are handed back before a SIGKILL. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 8_000;

export const HELP = `Usage: background-callbacks worker <app-module> [options]
       background-callbacks status <app-module> [--json]
       background-callbacks --help | --version

Runs the background callbacks of a web app on this machine. The worker imports <app-module>
(the file that creates the app and its QueueManager; TypeScript works through tsx) with
BACKGROUND_CALLBACKS_ROLE=queue-worker set, so the app serves no HTTP; then it takes the jobs of
every QueueManager the module created from Redis and runs each on a child process. Start as many
workers, on as many hosts, as you need; scale them apart from the web processes.

Options:
  --concurrency N         Jobs run at once per queue, each on its own process
                          (default: the QueueManager's \`concurrency\` option, 1 unless set)
  --shutdown-grace-ms N   On SIGTERM or SIGINT, how long running jobs may finish before they
                          are handed back to the queue (not started, or retryLost) or marked
                          lost (default: ${DEFAULT_SHUTDOWN_GRACE_MS}); a second signal stops at once
  --metrics-port N        Serve Prometheus metrics at http://<metrics-host>:N/metrics: jobs
                          started and ended by callback and outcome, durations, queue waits,
                          process CPU and memory; 0 takes a free port (the log line says which)
  --metrics-host HOST     The address of the metrics server (default: 127.0.0.1, this machine
                          only; 0.0.0.0 for a scraper on another host: it names your callbacks)
  -h, --help              Show this help
  -v, --version           Show the version

Status: \`status <app-module>\` imports the module as the worker does (no HTTP, no jobs run, no
worker started), and prints for each DiskManager and QueueManager it created (and each manager
with \`inspect()\` it exports): jobs queued, running jobs with their age and worker, live workers
(host, pid, last heartbeat, jobs done, running), and jobs lost in the last hour. Then it closes
the managers and exits.
  --json                  Print one JSON document instead: { at, managers: [{ manager,
                          snapshot } or { manager, error: { code, message } }] }

Logs: one JSON object a line on stdout (job started / finished / failed / cancelled / lost, with
durations). If Redis is unreachable at start, the worker says so and retries with backoff.

Exit codes:
  0  stopped by SIGTERM or SIGINT, or --help / --version
  1  an unexpected error, or a missing dependency (bullmq, ioredis; tsx for a TypeScript module)
  2  bad command line
  3  the app module was not found, or failed to load
  4  the app module creates no QueueManager (status: no manager, or one without inspect())
  5  status: a manager's backend (Redis, the SQLite file) could not be read

Examples:
  npx background-callbacks worker ./app.ts --concurrency 2
  npx background-callbacks status ./app.ts --json
`;

const MANAGERS_OF = { worker: "QueueManager", status: "managers" } as const;
const WORKER_OPTIONS = ["concurrency", "shutdown-grace-ms", "metrics-port", "metrics-host"] as const;

/** Parses the arguments after the program name. @throws UsageError */
export function parseCommand(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const [command, module, ...extra] = positionals;
  if (command === undefined) throw new UsageError("Missing the command: background-callbacks worker <app-module>");
  if (command !== "worker" && command !== "status") {
    throw new UsageError(`Unknown command "${command}"; the commands are "worker" and "status"`);
  }
  if (module === undefined)
    throw new UsageError(`Missing <app-module>: the file that creates your app and its ${MANAGERS_OF[command]}`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}"`);
  if (command === "status") {
    const misplaced = WORKER_OPTIONS.find((name) => values[name] !== undefined);
    if (misplaced !== undefined) throw new UsageError(`The option --${misplaced} is for "worker", not "status"`);
    return { kind: "status", module, json: values.json === true };
  }
  if (values.json) throw new UsageError(`The option --json is for "status", not "worker"`);
  const concurrency =
    values.concurrency === undefined ? undefined : integer("--concurrency", values.concurrency, 1, 256);
  const grace = values["shutdown-grace-ms"];
  const shutdownGraceMs =
    grace === undefined ? DEFAULT_SHUTDOWN_GRACE_MS : integer("--shutdown-grace-ms", grace, 0, 3_600_000);
  const metrics = metricsOf(values["metrics-port"], values["metrics-host"]);
  return {
    kind: "worker",
    module,
    ...(concurrency === undefined ? {} : { concurrency }),
    shutdownGraceMs,
    ...(metrics === undefined ? {} : { metrics }),
  };
}

/** `--metrics-port` and `--metrics-host`; undefined without a port. @throws UsageError */
function metricsOf(port: string | undefined, host: string | undefined): { port: number; host: string } | undefined {
  if (port === undefined) {
    if (host !== undefined) throw new UsageError("--metrics-host needs --metrics-port");
    return undefined;
  }
  const address = host ?? "127.0.0.1";
  if (!/^(?:[A-Za-z0-9.-]+|\[?[0-9A-Fa-f:.]+\]?)$/.test(address)) {
    throw new UsageError(`Expected --metrics-host to be a host name or an IP address, got "${address}"`);
  }
  return { port: integer("--metrics-port", port, 0, 65_535), host: address.replace(/^\[(.*)\]$/, "$1") };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      concurrency: { type: "string" },
      "shutdown-grace-ms": { type: "string" },
      "metrics-port": { type: "string" },
      "metrics-host": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`Expected ${name} to be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}
