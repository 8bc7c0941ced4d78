import { isErrorCode } from "../errors.js";
import type { BackgroundCallbackManager, ManagerSnapshot } from "../manager/contract.js";
import { inspectableManagers } from "../manager/inspectable.js";
import { type Command, EXIT } from "./args.js";
import { loadAppModule } from "./load-module.js";
import { messageOf } from "./log.js";
import { formatReport } from "./status-format.js";

type StatusCommand = Extract<Command, { kind: "status" }>;

/** What the status command writes to; tests and embedders may pass their own. */
export interface StatusIo {
  out(text: string): void;
  error(text: string): void;
}

const defaultIo: StatusIo = {
  out: (text) => process.stdout.write(text),
  error: (text) => process.stderr.write(`${text}\n`),
};

/** How long closing the managers may take before the command exits anyway. */
const CLOSE_WAIT_MS = 3_000;

/** One manager's part of the report. */
export type ManagerReport =
  | { readonly manager: string; readonly snapshot: ManagerSnapshot }
  | { readonly manager: string; readonly error: { readonly code: string; readonly message: string } };

/** The JSON document of `status --json`. */
export interface StatusReport {
  /** When the command read the managers (ms since the epoch). */
  readonly at: number;
  readonly managers: readonly ManagerReport[];
}

/**
 * `background-callbacks status <module>`: loads the app module as the worker command does (it
 * serves no HTTP and starts no worker), reads `inspect()` of every manager it created or exports,
 * prints the report, closes the managers and resolves with the exit code.
 */
export async function runStatus(
  command: StatusCommand,
  argv: readonly string[],
  io: StatusIo = defaultIo,
): Promise<number> {
  const loaded = await loadAppModule(command.module, argv, io.error);
  if ("exitCode" in loaded) return loaded.exitCode;
  const managers = managersOf(loaded.exported);
  try {
    return await report(command, managers, io);
  } finally {
    await closeAll([...managers.keys()]);
  }
}

async function report(
  command: StatusCommand,
  managers: ReadonlyMap<BackgroundCallbackManager, string>,
  io: StatusIo,
): Promise<number> {
  if (managers.size === 0) {
    io.error(
      `background-callbacks: The app module "${command.module}" creates no manager to report on: it must create a DiskManager or QueueManager when it is imported (e.g. as the app's backgroundCallbackManager), or export a manager that has \`inspect()\``,
    );
    return EXIT.noQueueManager;
  }
  const at = Date.now();
  const reports = await Promise.all([...managers].map(([manager, name]) => read(manager, name)));
  const result: StatusReport = { at, managers: reports };
  io.out(command.json ? `${JSON.stringify(result, null, 2)}\n` : formatReport(result));
  let code: number = EXIT.ok;
  for (const entry of reports) {
    if (!("error" in entry)) continue;
    if (!command.json) io.error(`background-callbacks: ${entry.manager}: ${entry.error.message}`);
    code = Math.max(code, entry.error.code === "NOT_SUPPORTED" ? EXIT.noQueueManager : EXIT.unreachable);
  }
  return code;
}

async function read(manager: BackgroundCallbackManager, name: string): Promise<ManagerReport> {
  if (typeof manager.inspect !== "function") {
    const message = "It has no inspect(), which the status command reads (see docs/writing-a-manager.md)";
    return { manager: name, error: { code: "NOT_SUPPORTED", message } };
  }
  try {
    return { manager: name, snapshot: await manager.inspect() };
  } catch (error) {
    const code = isErrorCode(error, "BACKEND") ? "BACKEND" : ((error as { code?: string })?.code ?? "FAILED");
    return { manager: name, error: { code, message: messageOf(error) } };
  }
}

/**
 * The managers the module created (those that register themselves) and those it exports (at the
 * top level, or one level down in an exported object or array), each once, with their names.
 */
function managersOf(exported: Record<string, unknown>): Map<BackgroundCallbackManager, string> {
  const found = new Map<BackgroundCallbackManager, string>();
  const add = (value: unknown, name: string): void => {
    if (isManager(value) && !found.has(value)) found.set(value, describe(value) ?? `the exported manager "${name}"`);
  };
  for (const manager of inspectableManagers()) add(manager, "");
  for (const [name, value] of Object.entries(exported)) {
    add(value, name);
    const nested = Array.isArray(value) || (value !== null && Object.getPrototypeOf(value) === Object.prototype);
    if (nested && !isManager(value)) {
      for (const [key, inner] of Object.entries(value as object)) add(inner, `${name}.${key}`);
    }
  }
  return found;
}

function isManager(value: unknown): value is BackgroundCallbackManager {
  const candidate = value as Partial<BackgroundCallbackManager> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.submit === "function" &&
    typeof candidate.take === "function" &&
    typeof candidate.close === "function"
  );
}

function describe(manager: BackgroundCallbackManager): string | undefined {
  const own = (manager as { describe?: () => string }).describe;
  return typeof own === "function" ? own.call(manager) : undefined;
}

async function closeAll(managers: readonly BackgroundCallbackManager[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((done) => {
    timer = setTimeout(done, CLOSE_WAIT_MS);
  });
  const closed = Promise.allSettled(managers.map((manager) => manager.close()));
  await Promise.race([closed, late]);
  clearTimeout(timer);
}
