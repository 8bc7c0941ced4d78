import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXIT, HELP, parseCommand, UsageError } from "./args.js";
import { jsonLogger, messageOf } from "./log.js";
import { runStatus } from "./status.js";
import { runWorker } from "./worker.js";

/** The version in this package's package.json (found by walking up from this file). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "background-callbacks") return pkg.version ?? "unknown";
    }
    const parent = dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}

/**
 * The `background-callbacks` command. Resolves with the exit code (see `--help`).
 * @example
 * ```ts
 * process.exitCode = await main(["worker", "./app.ts", "--concurrency", "2"]);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`background-callbacks: ${error.message}\nRun "background-callbacks --help" for usage.\n`);
    return EXIT.usage;
  }
  if (command.kind === "help") {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (command.kind === "version") {
    process.stdout.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  if (command.kind === "status") return runStatus(command, argv);
  // A crash must leave a log line behind; its jobs end lost (or re-run) through their leases.
  const log = jsonLogger();
  const fatal = (event: string) => (error: unknown) => {
    log({ level: "error", event, message: messageOf(error), stack: error instanceof Error ? error.stack : undefined });
    process.exit(EXIT.failed);
  };
  process.on("uncaughtException", fatal("worker.uncaughtException"));
  process.on("unhandledRejection", fatal("worker.unhandledRejection"));
  return runWorker(command, argv);
}
